/**
 * The argv differential over the backend contract: adapter.ts's execute()
 * parses an argv into calls of the synchronous StreamCommands; a backend's
 * contract is asynchronous. The bridge runs execute() on a recording
 * StreamCommands that answers the calls already made (in order) and stops
 * at the first unanswered one; that call is made on the backend, its answer
 * (or its StreamError) recorded, and execute() runs again from the start.
 * execute() depends on argv and those answers alone, so a command making n
 * calls runs execute() n + 1 times and sends each call to the backend once.
 *
 * `XADD ... *`: the backend's server has its own clock, which cannot be
 * pinned, so the auto ID becomes the explicit ID Redis answered (the ID
 * arithmetic of `*` is compared by the core's differential; here, that the
 * backend accepts that ID on the same state).
 */
import type { StreamBackend } from '../../src/backends/contract.js';
import type { StreamCommands } from '../../src/core/commands.js';
import { parseId, type StreamId } from '../../src/domain/ids.js';
import type { XaddOptions } from '../../src/domain/types.js';
import { CommandError, execute } from './adapter.js';
import type { Outcome, Subject } from './harness.js';

type Call = (backend: StreamBackend, args: any[], autoId: StreamId | undefined) => Promise<unknown>;

const NOW = { waitMs: 0 };

/** Each StreamCommands method the adapter calls, as the contract method that does the same. */
const CALLS: Partial<Record<keyof StreamCommands, Call>> = {
  exists: (b, [key]) => b.streamExists(key),
  del: (b, [key]) => b.deleteStream(key),
  xadd: (b, [key, options], autoId) => {
    const add = options as XaddOptions;
    return b.append(key, add.id.kind === 'auto' && autoId !== undefined ? { ...add, id: { kind: 'explicit', id: autoId } } : add);
  },
  xlen: (b, [key]) => b.length(key),
  xrange: (b, [key, options]) => b.range(key, options),
  xread: (b, [streams, count, caps]) => b.readStreams(streams, count, NOW, caps),
  xdel: (b, [key, ids]) => b.deleteEntries(key, ids),
  xtrim: (b, [key, trim]) => b.trim(key, trim),
  xsetid: (b, [key, options]) => b.setStreamId(key, options),
  xgroupCreate: (b, [key, group, options]) => b.createGroup(key, group, options),
  xgroupSetId: (b, [key, group, options]) => b.setGroupId(key, group, options),
  xgroupDestroy: (b, [key, group]) => b.destroyGroup(key, group),
  xgroupCreateConsumer: (b, [key, group, consumer]) => b.createConsumer(key, group, consumer),
  xgroupDelConsumer: (b, [key, group, consumer]) => b.deleteConsumer(key, group, consumer),
  xreadgroup: (b, [options]) => b.readGroup(options, NOW),
  xack: (b, [key, group, ids]) => b.ack(key, group, ids),
  xpendingSummary: (b, [key, group]) => b.pendingSummary(key, group),
  xpendingRange: (b, [key, group, options]) => b.pendingEntries(key, group, options),
  xclaim: (b, [key, group, options]) => b.claim(key, group, options),
  xautoclaim: (b, [key, group, options]) => b.autoclaim(key, group, options),
  xinfoStream: (b, [key]) => b.streamInfo(key),
  xinfoStreamFull: (b, [key, count]) => b.streamInfoFull(key, count),
  xinfoGroups: (b, [key]) => b.groups(key),
  groupInfo: (b, [key, group]) => b.group(key, group),
  xinfoConsumers: (b, [key, group]) => b.consumers(key, group),
};

type Answer = { method: string; value: unknown } | { method: string; error: unknown };

/** execute() wants a call not answered yet. */
class Unanswered {
  constructor(
    readonly method: keyof StreamCommands,
    readonly args: unknown[],
  ) {}
}

function recorder(answers: Answer[]): StreamCommands {
  let next = 0;
  return new Proxy({} as StreamCommands, {
    get(_, method: string) {
      return (...args: unknown[]) => {
        const answer = answers[next++];
        if (answer === undefined) throw new Unanswered(method as keyof StreamCommands, args);
        if (answer.method !== method) throw new Error(`bridge: execute() called ${method} where it called ${answer.method} before`);
        if ('error' in answer) throw answer.error;
        return answer.value;
      };
    },
  });
}

/** Runs `argv` on `backend` as execute() would on a core; the outcome as callOurs gives it. */
export async function callBackend(backend: StreamBackend, argv: string[], autoId?: StreamId): Promise<Outcome> {
  const answers: Answer[] = [];
  for (;;) {
    try {
      return { kind: 'reply', value: execute(recorder(answers), argv) };
    } catch (error) {
      if (error instanceof CommandError) return { kind: 'error', message: error.message };
      if (!(error instanceof Unanswered)) {
        const e = error as Error;
        return { kind: 'crash', message: `${e?.name}: ${e?.message}\n${e?.stack?.split('\n').slice(1, 6).join('\n')}` };
      }
      const call = CALLS[error.method];
      if (call === undefined) return { kind: 'crash', message: `bridge: no contract method for ${error.method}` };
      try {
        answers.push({ method: error.method, value: await call(backend, error.args, autoId) });
      } catch (thrown) {
        answers.push({ method: error.method, error: thrown });
      }
    }
  }
}

/** A backend as a Subject of the harness. */
export function backendSubject(backend: StreamBackend): Subject {
  return {
    async run(argv, auto) {
      const reply = auto?.redis;
      const autoId = reply?.kind === 'reply' && typeof reply.value === 'string' ? parseId(reply.value) : undefined;
      return await callBackend(backend, argv, autoId ?? undefined);
    },
  };
}
