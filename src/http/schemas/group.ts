import { z } from 'zod';
import { DEFAULT_GROUP_START } from '../defaults.js';
import { groupStart, idOutput } from './ids.js';
import { groupName } from './names.js';
import { counterBody, integerOutput, nonNegative } from './numbers.js';
import { deliveryPolicySchema } from './policy.js';

export const groupSchema = z
  .object({
    name: z.string(),
    consumers: nonNegative(),
    pending: nonNegative().meta({ description: 'Entries delivered and not yet acknowledged (the PEL size).' }),
    lastDeliveredId: idOutput,
    entriesRead: nonNegative().nullable().meta({ description: 'Logical read counter; null when unknown (after SETID without entriesRead, or a group made at `$`/a middle ID).' }),
    lag: integerOutput()
      .nullable()
      .meta({ description: 'entriesAdded - entriesRead: entries not yet delivered to the group; null when it cannot be known (negative, as in Redis, after entriesRead was set above entriesAdded).' }),
    policy: deliveryPolicySchema.nullable().meta({ description: "The group's delivery policy; null when it has none." }),
  })
  .meta({ id: 'Group' });

export const groupListSchema = z.object({ groups: z.array(groupSchema) });

export const consumerSchema = z
  .object({
    name: z.string(),
    pending: nonNegative(),
    idleMs: nonNegative().meta({ description: 'Since the last read or claim attempt.' }),
    inactiveMs: integerOutput().meta({ description: 'Since the last successful delivery or claim; -1 if never.' }),
  })
  .meta({ id: 'Consumer' });

export const consumerListSchema = z.object({ consumers: z.array(consumerSchema) });

const ENTRIES_READ = 'ENTRIESREAD: the logical read counter of the group, for lag.';

export const createGroupBody = z.strictObject({
  name: groupName,
  startId: groupStart.optional().meta({ description: `Where the group starts: \`${DEFAULT_GROUP_START}\` (default) for the stream's last ID, \`0\` for the beginning, or an ID.` }),
  mkStream: z.boolean().optional().meta({ description: 'MKSTREAM: create an empty stream when missing.' }),
  entriesRead: counterBody(ENTRIES_READ).optional(),
  policy: deliveryPolicySchema.optional().meta({ description: 'A delivery policy for the group, set with it in one step.' }),
});

export const setGroupIdBody = z
  .strictObject({
    lastDeliveredId: groupStart.optional().meta({ description: 'XGROUP SETID: the new last-delivered ID (`$`: the stream\'s last ID).' }),
    entriesRead: counterBody(ENTRIES_READ).optional(),
    policy: deliveryPolicySchema
      .nullable()
      .optional()
      .meta({ description: 'The new delivery policy, replacing the old one whole; `null` removes it (entries stay pending, without due times).' }),
  })
  .superRefine((body, ctx) => {
    if (body.lastDeliveredId === undefined && body.policy === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'give lastDeliveredId, policy, or both' });
    if (body.entriesRead !== undefined && body.lastDeliveredId === undefined) ctx.addIssue({ code: 'custom', path: ['entriesRead'], message: '`entriesRead` needs `lastDeliveredId`' });
  });
