import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/domain/errors.js';
import { formatId, type StreamId } from '../../src/domain/ids.js';
import { add, all, bound, code, coreWithClock, fmt, id, thrown } from './helpers.js';

describe('XADD', () => {
  it('generates IDs that never go backwards and roll into the next ms', () => {
    const { core, clock } = coreWithClock(1000);
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-0');
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-1');
    clock.now = 500;
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-2');
    core.xadd('s', { id: add('1000-18446744073709551615'), fields: ['a', '1'] });
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1001-0');
  });

  it('refuses 0-0, IDs not above the top, and exhausted IDs', () => {
    const { core } = coreWithClock();
    expect(code(() => core.xadd('s', { id: add('0-0'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(code(() => core.xadd('s', { id: add('0'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(core.exists('s')).toBe(false);
    core.xadd('s', { id: add('5-5'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('5-5'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(code(() => core.xadd('s', { id: add('4-*'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    core.xadd('s', { id: add('6-18446744073709551615'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('6-*'), fields: ['a', '1'] }))).toBe('SEQ_EXHAUSTED');
    core.xadd('s', { id: add('18446744073709551615-18446744073709551615'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('*'), fields: ['a', '1'] }))).toBe('ID_EXHAUSTED');
    expect(code(() => core.xadd('s', { id: add('18446744073709551615-18446744073709551615'), fields: ['a', '1'] }))).toBe('ID_EXHAUSTED');
  });

  it('counts deleted entries in last-generated-id', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-1'), fields: ['a', '1'] });
    core.xdel('s', [id('1-1')]);
    expect(code(() => core.xadd('s', { id: add('1-1'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(formatId(core.xadd('s', { id: add('1-*'), fields: ['a', '1'] })!)).toBe('1-2');
  });

  it('answers null with NOMKSTREAM on a missing stream and creates nothing', () => {
    const { core } = coreWithClock();
    expect(core.xadd('s', { id: add('*'), fields: ['a', '1'], noMkStream: true })).toBeNull();
    expect(core.exists('s')).toBe(false);
  });

  it('trims exactly with MAXLEN and leaves an empty stream that keeps its counters at MAXLEN 0', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 10; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xadd('s', { id: add('11-0'), fields: ['n', '11'], trim: { maxLen: 3n, approximate: false } });
    expect(fmt(core.xrange('s', all)!.map((e) => e.id))).toEqual(['9-0', '10-0', '11-0']);
    core.xadd('s', { id: add('12-0'), fields: ['n', '12'], trim: { maxLen: 0n, approximate: false } });
    const info = core.xinfoStream('s')!;
    expect(info.length).toBe(0);
    expect(formatId(info.lastGeneratedId)).toBe('12-0');
    expect(info.entriesAdded).toBe(12n);
    expect(info.maxDeletedEntryId).toBe(0n);
  });

  it('trims approximately by whole nodes of 100 entries, never below the threshold', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 250; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    expect(core.xtrim('s', { maxLen: 120n, approximate: true })).toBe(100);
    expect(core.xlen('s')).toBe(150);
    expect(core.xtrim('s', { maxLen: 120n, approximate: true })).toBe(0);
    expect(core.xtrim('s', { minId: id('201'), approximate: false })).toBe(100);
    expect(formatId(core.xrange('s', all)![0]!.id)).toBe('201-0');
  });

  it('refuses LIMIT without ~', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-1'), fields: ['a', '1'] });
    expect(code(() => core.xtrim('s', { maxLen: 1n, approximate: false, limit: 10 }))).toBe('VALIDATION');
  });

  it('validates a batch whole before adding any of it', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'] });
    expect(
      code(() =>
        core.xaddBatch('s', [{ id: add('6-0'), fields: ['a', '1'] }, { id: add('6-0'), fields: ['a', '2'] }], {}),
      ),
    ).toBe('ID_NOT_GREATER');
    expect(core.xlen('s')).toBe(1);
    expect(fmt(core.xaddBatch('s', [{ id: add('6-0'), fields: ['a', '1'] }, { id: add('6-*'), fields: ['a', '2'] }], {})!)).toEqual(['6-0', '6-1']);
  });

  it("refuses with Redis's words, naming the batch message at fault", () => {
    const { core } = coreWithClock();
    expect(thrown(() => core.xadd('s', { id: add('0-0'), fields: ['a', '1'] })).message).toBe(errorMessage('ID_NOT_GREATER', 'zero'));
    expect(thrown(() => core.xadd('s', { id: add('1-0'), fields: ['a'] })).message).toBe("ERR wrong number of arguments for 'xadd' command");
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'] });
    const error = thrown(() => core.xaddBatch('s', [{ id: add('6-0'), fields: ['a', '1'] }, { id: add('4-0'), fields: ['a', '2'] }], {}));
    expect(error).toMatchObject({ code: 'ID_NOT_GREATER', message: `${errorMessage('ID_NOT_GREATER', 'notGreater')} (message 1)` });
    expect(code(() => core.xaddBatch('s', [], {}))).toBe('VALIDATION');
    expect(core.xaddBatch('missing', [{ id: add('*'), fields: ['a', '1'] }], { noMkStream: true })).toBeNull();
    expect(core.exists('missing')).toBe(false);
  });
});

describe('XRANGE', () => {
  it('honours incomplete, exclusive and reverse ranges with COUNT', () => {
    const { core } = coreWithClock();
    for (const i of ['1-0', '1-1', '2-0', '2-5', '3-0']) core.xadd('s', { id: add(i), fields: ['a', i] });
    const ids = (start: string, end: string, count?: number, reverse = false) =>
      fmt(core.xrange('s', { start: bound(start, 'start'), end: bound(end, 'end'), count, reverse })!.map((e) => e.id));
    expect(ids('2', '2')).toEqual(['2-0', '2-5']);
    expect(ids('(1-1', '+')).toEqual(['2-0', '2-5', '3-0']);
    expect(ids('-', '(3-0')).toEqual(['1-0', '1-1', '2-0', '2-5']);
    expect(ids('-', '+', 2, true)).toEqual(['3-0', '2-5']);
    expect(ids('1-1', '2-0', undefined, true)).toEqual(['2-0', '1-1']);
    expect(core.xrange('missing', all)).toBeNull();
  });

  it('errors on exclusive bounds at the edges of the ID space', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    expect(code(() => core.xrange('s', { start: bound('(18446744073709551615-18446744073709551615', 'start'), end: bound('+', 'end') }))).toBe('INVALID_ID');
    expect(code(() => core.xrange('s', { start: bound('-', 'start'), end: bound('(0-0', 'end') }))).toBe('INVALID_ID');
  });

  it('seeks across many nodes', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 1000; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xdel('s', [id('500-0'), id('501-0')]);
    expect(fmt(core.xrange('s', { start: bound('499', 'start'), end: bound('+', 'end'), count: 3 })!.map((e) => e.id))).toEqual(['499-0', '502-0', '503-0']);
    expect(fmt(core.xrange('s', { start: bound('-', 'start'), end: bound('502', 'end'), count: 3, reverse: true })!.map((e) => e.id))).toEqual(['502-0', '499-0', '498-0']);
  });
});

describe('XREAD', () => {
  it('reads after an ID, after $ (nothing yet) or the last entry (+), skipping missing streams and those at the last ID', () => {
    const { core } = coreWithClock();
    for (const i of ['1-0', '2-0', '3-0']) core.xadd('s', { id: add(i), fields: ['a', i] });
    core.xadd('top', { id: add('18446744073709551615-18446744073709551615'), fields: ['a', 'top'] });
    const read = (after: StreamId | '$' | '+', count?: number) =>
      core
        .xread([{ key: 's', after }, { key: 'missing', after: 0n }, { key: 'top', after: core.lastIdOf('top') }], count)
        .map((r) => [r.key, fmt(r.entries.map((e) => e.id))]);
    expect(read(id('1-0'))).toEqual([['s', ['2-0', '3-0']]]);
    expect(read(0n, 1)).toEqual([['s', ['1-0']]]);
    expect(read('$')).toEqual([]);
    expect(read('+')).toEqual([['s', ['3-0']]]);
  });
});

describe('XDEL and XSETID', () => {
  it('XDEL sets max-deleted-entry-id and the recorded first entry', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    expect(core.xdel('s', [id('1-0'), id('1-0'), id('7-0')])).toBe(1);
    expect(core.xinfoStream('s')).toMatchObject({ length: 2, maxDeletedEntryId: id('1-0'), recordedFirstEntryId: id('2-0') });
    expect(core.xinfoStream('s')!.firstEntry!.id).toBe(id('2-0'));
  });

  it('checks XSETID against the top entry, the length and max-deleted-id', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'] });
    expect(code(() => core.xsetid('s', { lastId: id('4-0') }))).toBe('SETID_TOO_SMALL');
    expect(code(() => core.xsetid('s', { lastId: id('6-0'), entriesAdded: 0n }))).toBe('SETID_ENTRIES_ADDED_TOO_SMALL');
    expect(code(() => core.xsetid('s', { lastId: id('6-0'), maxDeletedId: id('7-0') }))).toBe('SETID_MAXDELETED_TOO_BIG');
    expect(code(() => core.xsetid('nope', { lastId: id('6-0') }))).toBe('NO_STREAM');
    core.xsetid('s', { lastId: id('9-0'), entriesAdded: 10n, maxDeletedId: id('3-0') });
    expect(core.xinfoStream('s')).toMatchObject({ lastGeneratedId: id('9-0'), entriesAdded: 10n, maxDeletedEntryId: id('3-0') });
  });

  it('XSETID on an empty stream can move the last ID back', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'], trim: { maxLen: 0n, approximate: false } });
    core.xsetid('s', { lastId: id('1-0') });
    expect(core.xinfoStream('s')!.lastGeneratedId).toBe(id('1-0'));
  });
});

describe('DEL and listing', () => {
  it('lists streams by prefix with a cursor', () => {
    const { core } = coreWithClock();
    for (const k of ['a:1', 'a:2', 'a:3', 'b:1']) core.xadd(k, { id: add('1-1'), fields: ['a', '1'] });
    const page1 = core.listStreams({ prefix: 'a:', limit: 2 });
    expect(page1.streams.map((s) => s.name)).toEqual(['a:1', 'a:2']);
    const page2 = core.listStreams({ prefix: 'a:', limit: 2, cursor: page1.nextCursor! });
    expect(page2).toMatchObject({ streams: [{ name: 'a:3' }], nextCursor: null });
  });

  it('DEL answers whether the stream existed', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    expect(core.del('s')).toBe(true);
    expect(core.del('s')).toBe(false);
    expect(core.exists('s')).toBe(false);
    expect(formatId(core.lastIdOf('s'))).toBe('0-0');
  });
});
