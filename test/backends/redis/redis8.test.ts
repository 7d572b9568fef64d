/**
 * The Redis 8 commands on a server without them (Redis 7.0, Valkey 8): every
 * one answers 501 NOT_SUPPORTED_BY_BACKEND naming the command, the version it
 * needs and the server found, through the contract and over HTTP; nothing is
 * emulated, ignored or half applied.
 */
import { describe, expect, it } from 'vitest';
import type { StreamError } from '../../../src/domain/errors.js';
import { buildTestAppOn } from '../../helpers/app.js';
import { redisStandaloneRow, useBackend, valkeyStandaloneRow } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';
import { streamName, streamPath } from '../../helpers/app.js';


describe.each([redisStandaloneRow, valkeyStandaloneRow].filter((row) => row.available))('Redis 8 commands on $name', (row) => {
  const env = useBackend(row);

  async function refusal(run: () => Promise<unknown>): Promise<StreamError> {
    const error = (await run().then(
      () => undefined,
      (err: unknown) => err,
    )) as StreamError | undefined;
    expect(error?.code).toBe('NOT_SUPPORTED_BY_BACKEND');
    return error!;
  }

  it('each command and option answers 501 naming what it needs, and changes nothing', async () => {
    const b = env.backend;
    const s = streamName();
    const id = (await b.append(s, { id: { kind: 'auto' }, fields: ['a', '1'] }))!;
    await b.createGroup(s, 'g', { startId: 0n });
    await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
    const cases: [string, () => Promise<unknown>][] = [
      ['XACKDEL needs Redis 8.2', () => b.ackAndDelete(s, 'g', [id], 'keepRef')],
      ['XDELEX needs Redis 8.2', () => b.deleteEntriesWithRefs(s, [id], 'delRef')],
      ['XNACK needs Redis 8.8', () => b.release(s, 'g', { ids: [id], mode: 'fail' } as never)],
      ['XADD IDMP needs Redis 8.6', () => b.appendIdempotent(s, { id: { kind: 'auto' }, fields: ['a', '2'], idempotency: { producer: 'p', key: 'k' } } as never)],
      ['XCFGSET needs Redis 8.6', () => b.configureStream(s, { idempotencyDurationS: 10 })],
      ['XREADGROUP CLAIM needs Redis 8.4', () => b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], claimMinIdleMs: 0 }, { waitMs: 0 })],
      ['DELREF (trim) needs Redis 8.2', () => b.trim(s, { maxLen: 0n, approximate: false, refs: 'delRef' })],
      ['ACKED (trim) needs Redis 8.2', () => b.append(s, { id: { kind: 'auto' }, fields: ['a', '3'], trim: { maxLen: 0n, approximate: false, refs: 'acked' } })],
    ];
    for (const [words, run] of cases) {
      const error = await refusal(run);
      expect(error.message).toContain(words);
      expect(error.message).toMatch(/the backend's server is (redis|valkey) \d/);
    }
    // Nothing above changed the stream or the group.
    expect(await b.length(s)).toBe(1);
    expect((await b.pendingSummary(s, 'g')).count).toBe(1);
  });

  it('over HTTP: a 501 problem with the code', async () => {
    const t = await buildTestAppOn(env.backend);
    try {
      const s = streamName();
      await t.app.inject({ method: 'POST', url: streamPath(s, 'groups'), payload: { name: 'g', mkStream: true } });
      const nack = await t.app.inject({ method: 'POST', url: streamPath(s, 'groups', 'g', 'nacks'), payload: { ids: ['1-0'] } });
      expect(expectProblem(nack, 501, 'NOT_SUPPORTED_BY_BACKEND')).toContain('XNACK needs Redis 8.8');
    } finally {
      await t.app.close();
    }
  });
});
