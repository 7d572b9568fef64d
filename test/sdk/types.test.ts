import { describe, expect, expectTypeOf, it } from 'vitest';
import { messagesOf, type Message, type paths } from '../../sdk/src/index.js';

/**
 * The generated types, as a user of the SDK meets them: `npm run typecheck` compiles this file, so a
 * `@ts-expect-error` that stops erroring (a refused combination compiling again) fails the build.
 */
type AppendBody = paths['/v1/streams/{stream}/messages']['post']['requestBody']['content']['application/json'];
type Trim = NonNullable<AppendBody['trim']>;
type ReadGroup = paths['/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read']['post'];
type ListQuery = NonNullable<paths['/v1/streams/{stream}/messages']['get']['parameters']['query']>;
type Created = paths['/v1/streams/{stream}/messages']['post']['responses'][201]['headers'];

describe('the SDK types', () => {
  it('trim is MAXLEN or MINID, never both', () => {
    const byLength: Trim = { maxLen: 1000, approximate: true, limit: 100 };
    const byId: Trim = { minId: '1700000000000-0' };
    // @ts-expect-error both strategies at once are refused by the server, so they do not compile
    const both: Trim = { maxLen: 1000, minId: '1700000000000-0' };
    // @ts-expect-error neither strategy
    const neither: Trim = { approximate: true };
    expect([byLength, byId, both, neither]).toHaveLength(4);
  });

  it('the group read body may be left out, query booleans are booleans, response headers are declared', () => {
    expectTypeOf<undefined>().toExtend<ReadGroup['requestBody']>();
    expectTypeOf<ListQuery['reverse']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<Created['Location']>().toEqualTypeOf<string>();
    expectTypeOf<Created['x-request-id']>().toEqualTypeOf<string>();
  });

  it('Message<F> has the fields form of its fieldsFormat, and messagesOf narrows an answer to it', () => {
    expectTypeOf<Message['fields']>().toEqualTypeOf<{ [name: string]: string } | null>();
    expectTypeOf<Message<'pairs'>['fields']>().toEqualTypeOf<[string, string][] | null>();
    const answer = { messages: [{ id: '1-0', fields: [['a', '1']] as string[][] }] };
    const pairs = messagesOf('pairs', answer);
    expectTypeOf(pairs).toEqualTypeOf<Message<'pairs'>[]>();
    expect(pairs).toBe(answer.messages);
  });
});
