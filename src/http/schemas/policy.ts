import { z } from 'zod';
import { DELIVERY_POLICY_MAX_MS, MAX_DELIVERIES_LIMIT, RETRY_BACKOFF_MAX_STEPS } from '../../domain/types.js';
import { idListBody } from './ids.js';
import { streamName } from './names.js';
import { bodyInteger, nonNegative } from './numbers.js';

const MAX = DELIVERY_POLICY_MAX_MS;

/**
 * A group's delivery policy. The shape is checked here; the rules across fields (maxDeliveries
 * and deadLetterStream together, a dead-letter stream other than the group's own) by
 * validateDeliveryPolicy, on every backend, before anything changes.
 */
export const deliveryPolicySchema = z
  .strictObject({
    ackDeadlineMs: bodyInteger(1, MAX, `An entry pending longer than this since its last delivery is taken back and delivered again, first, to the next \`>\` read. 1 to ${MAX} (30 days).`).optional(),
    maxDeliveries: bodyInteger(1, MAX_DELIVERIES_LIMIT, 'An entry that would be delivered more often goes to `deadLetterStream` instead (and is acknowledged here). With `deadLetterStream` only.').optional(),
    deadLetterStream: streamName.optional().meta({ description: 'Where dead letters go: the original fields, then `streamgate-origin-stream`, `streamgate-origin-id`, `streamgate-origin-group`, `streamgate-deliveries`. Not the group\'s own stream; with `maxDeliveries` only.' }),
    retryBackoffMs: z
      .array(bodyInteger(0, MAX, 'ms'))
      .max(RETRY_BACKOFF_MAX_STEPS)
      .optional()
      .meta({ description: `A nack without \`delayMs\` of an entry delivered n times makes it due after \`retryBackoffMs[n-1]\` (the last value repeats; 0 without a list). At most ${RETRY_BACKOFF_MAX_STEPS} values.` }),
    consumerIdleTimeoutMs: bodyInteger(1, MAX, 'A consumer with no read or claim for longer is removed; the entries it held are released to the group, due at once, counts unchanged.').optional(),
  })
  .meta({
    id: 'DeliveryPolicy',
    description: "streamgate's delivery policy of a group: the server runs the redelivery, poison-message and dead-consumer work that Redis leaves to clients. Every field is optional; `{}` is no policy.",
  });

export const extendBody = (maxBatch: number) =>
  z.strictObject({
    ids: idListBody(maxBatch).shape.ids,
    ms: bodyInteger(1, MAX, `The new deadline, in ms from now (earlier or later than the current one). 1 to ${MAX}.`),
  });

export const extendResultSchema = z.object({
  extended: nonNegative().meta({ description: 'How many of the IDs were pending and owned by a consumer (released or unknown IDs are skipped).' }),
  ackDeadline: nonNegative().meta({ description: 'Their new deadline, Unix ms (server clock).' }),
});

export const redriveBody = (maxCount: number, fallback: number) =>
  z.strictObject({
    count: bodyInteger(1, maxCount, `Most dead letters moved back, oldest first; default ${fallback}.`).optional(),
  });

export const redriveResultSchema = z.object({
  redriven: nonNegative().meta({ description: 'How many dead letters went back to their streams (and left this one).' }),
});

export const nackDelayMs = bodyInteger(0, MAX, 'streamgate, in a group with a delivery policy: the released entries are due again only after this many ms (default: the policy\'s `retryBackoffMs`). 409 NO_DELIVERY_POLICY in a group without one.').optional();
