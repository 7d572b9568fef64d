import { readFile } from 'node:fs/promises';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../../../scripts/generate-openapi.js';
import { ACTIONS, OPERATION_REQUIREMENTS, type Action } from '../../../src/http/auth/actions.js';
import { bearer, makeToken, writeTokensFile } from '../../helpers/auth.js';
import { buildTestApp, streamName, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

interface Operation {
  method: string;
  path: string;
  operationId: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
const operations: Operation[] = Object.entries<Record<string, { operationId: string }>>(document.paths).flatMap(([path, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ method: method.toUpperCase(), path, operationId: item[method]!.operationId })),
);

/** A body each operation accepts against the stream the test seeds; the rest send none. */
function bodyOf(operationId: string, id: string, stream: string): object | undefined {
  switch (operationId) {
    case 'readStreams':
      return { streams: [{ stream, after: '0' }] };
    case 'readGroupStreams':
      return { streams: [{ stream }] };
    case 'setStreamId':
      return { lastId: '99999999999999-0' };
    case 'appendMessage':
      return { fields: { a: '1' } };
    case 'appendMessages':
      return { messages: [{ fields: { a: '1' } }] };
    case 'deleteMessages':
    case 'ackMessages':
    case 'nackMessages':
      return { ids: [id] };
    case 'configureStream':
      return { idempotencyDurationS: 100 };
    case 'trimStream':
      return { maxLen: 10 };
    case 'createGroup':
      return { name: 'g2' };
    case 'setGroupId':
      return { lastDeliveredId: '$' };
    case 'readGroup':
      return {};
    case 'claimMessages':
      return { consumer: 'c', minIdleMs: 0, ids: [id] };
    case 'autoclaimMessages':
      return { consumer: 'c', minIdleMs: 0 };
    case 'extendDeadlines':
      return { ids: [id], ms: 1000 };
    case 'redriveDeadLetters':
      return {};
    default:
      return undefined;
  }
}

const SSE = new Set(['streamEvents', 'groupEvents', 'multiStreamEvents', 'multiGroupEvents']);
/** Operations that name their streams in the query (`stream=`) rather than the path. */
const QUERY_STREAMS = new Set(['multiStreamEvents', 'multiGroupEvents']);

const full = makeToken('full', [{ streams: '*', actions: [...ACTIONS] }]);
const only = Object.fromEntries(ACTIONS.map((action) => [action, makeToken(`only-${action}`, [{ streams: '*', actions: [action] }])])) as Record<Action, ReturnType<typeof makeToken>>;
const elsewhere = makeToken('elsewhere', [{ streams: 'other-*', actions: [...ACTIONS] }]);
const tokensFile = writeTokensFile([full, ...Object.values(only), elsewhere]);

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ authTokensFile: tokensFile.path });
});
afterAll(async () => {
  await t.close();
  tokensFile.remove();
});

/** A fresh stream with one entry, pending for consumer `c` of group `g`; SSE operations get a missing stream so they answer at once. */
async function request(operation: Operation, headers: Record<string, string>): Promise<InjectOptions> {
  const stream = streamName();
  let id = '0-1';
  if (!SSE.has(operation.operationId)) {
    const as = bearer(full);
    const append = (path: string, payload: object) => t.app.inject({ method: 'POST', url: `/v1/streams/${encodeURIComponent(stream)}${path}`, headers: as, payload });
    id = (await append('/messages', { fields: { a: '1' } })).json().id;
    // With a delivery policy, so that extend has deadlines to move.
    expect((await append('/groups', { name: 'g', startId: '0', policy: { ackDeadlineMs: 60_000 } })).statusCode).toBe(201);
    expect((await append('/groups/g/consumers/c/read', {})).json().messages).toHaveLength(1);
  }
  const url = operation.path
    .replace('{stream}', encodeURIComponent(stream))
    .replace('{group}', 'g')
    .replace('{consumer}', 'c')
    .replace('{id}', id)
    .concat(QUERY_STREAMS.has(operation.operationId) ? `?stream=${encodeURIComponent(stream)}` : '');
  const body = bodyOf(operation.operationId, id, stream);
  return { method: operation.method as InjectOptions['method'], url, headers, ...(body === undefined ? {} : { payload: body }) };
}

describe('every operation of the OpenAPI document', () => {
  it('has a requirement in the table', () => {
    const unmapped = operations.map((o) => o.operationId).filter((id) => !(id in OPERATION_REQUIREMENTS));
    expect(unmapped).toEqual([]);
    expect(Object.keys(OPERATION_REQUIREMENTS).sort()).toEqual(operations.map((o) => o.operationId).sort());
  });

  describe.each(operations)('$method $path ($operationId)', (operation) => {
    const requirement = OPERATION_REQUIREMENTS[operation.operationId]!;

    if (requirement.kind === 'public') {
      it('needs no token', async () => {
        const response = await t.app.inject(await request(operation, {}));
        expect(response.statusCode).toBe(200);
      });
      return;
    }

    const { action } = requirement;

    it(`is allowed with ${action}`, async () => {
      const response = await t.app.inject(await request(operation, bearer(only[action])));
      // The SSE operations are asked of a missing stream, so that they answer instead of streaming.
      if (SSE.has(operation.operationId)) expectProblem(response, 404, 'NO_STREAM');
      else expect(response.statusCode, response.body).toBeLessThan(300);
    });

    it('answers 401 without a token and with an unknown one', async () => {
      const missing = await t.app.inject(await request(operation, {}));
      expectProblem(missing, 401, 'UNAUTHORIZED');
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="streamgate"');
      const unknown = await t.app.inject(await request(operation, bearer('sg_not-a-token')));
      expectProblem(unknown, 401, 'UNAUTHORIZED');
      expect(unknown.headers['www-authenticate']).toBe('Bearer realm="streamgate", error="invalid_token"');
      expect(unknown.body).not.toContain('sg_not-a-token');
    });

    it(`answers 403 naming ${action} to a token without it`, async () => {
      for (const other of ACTIONS.filter((a) => a !== action)) {
        const response = await t.app.inject(await request(operation, bearer(only[other])));
        expect(expectProblem(response, 403, 'FORBIDDEN')).toContain(`may not ${action}`);
      }
    });

    if (requirement.kind === 'streams') {
      it('answers 403 naming a named stream to a token for other streams', async () => {
        const options = await request(operation, bearer(elsewhere));
        const response = await t.app.inject(options);
        expect(expectProblem(response, 403, 'FORBIDDEN')).toMatch(new RegExp(`^token "elsewhere" may not ${action} stream "test-`));
      });
    }

    if (requirement.kind === 'stream') {
      it('answers 403 naming the stream to a token for other streams', async () => {
        const options = await request(operation, bearer(elsewhere));
        const response = await t.app.inject(options);
        const stream = decodeURIComponent(options.url!.toString().split('/')[3]!);
        expect(expectProblem(response, 403, 'FORBIDDEN')).toBe(`token "elsewhere" may not ${action} stream "${stream}"`);
      });
    }
  });
});
