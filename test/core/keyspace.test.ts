import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { Keyspace, type GroupCommand } from '../../src/core/keyspace.js';
import { StreamError } from '../../src/domain/errors.js';
import { id } from './helpers.js';

function keyspace(): { ks: Keyspace; batches: EffectBatch[] } {
  const batches: EffectBatch[] = [];
  const ks = new Keyspace(() => 7, (batch) => batches.push(batch));
  return { ks, batches };
}

describe('Keyspace.command', () => {
  it('applies effects as they are emitted and hands on one batch per command; a nested command joins the outer one', () => {
    const { ks, batches } = keyspace();
    const answer = ks.command(() => {
      ks.emit({ op: 'create', key: 's' });
      expect(ks.streams.has('s')).toBe(true);
      ks.command(() => ks.emit({ op: 'add', key: 's', id: id('1-0'), fields: ['a', '1'], entriesAdded: 1n }));
      return 'done';
    });
    expect(answer).toBe('done');
    expect(batches.map((b) => b.map((e) => e.op))).toEqual([['create', 'add']]);
  });

  it('hands on nothing for a command that emitted nothing, and what was emitted before a throw', () => {
    const { ks, batches } = keyspace();
    ks.command(() => undefined);
    expect(batches).toEqual([]);
    expect(() =>
      ks.command(() => {
        ks.emit({ op: 'create', key: 's' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(batches).toEqual([[{ op: 'create', key: 's' }]]);
    ks.command(() => ks.emit({ op: 'drop', key: 's' }));
    expect(batches).toHaveLength(2);
  });
});

describe('Keyspace.requireGroup', () => {
  const cases: [GroupCommand, missingKey: [string, string], missingGroup: string][] = [
    ['XREADGROUP', ['NO_STREAM', "NOGROUP No such key 'k' or consumer group 'g' in XREADGROUP with GROUP option"], "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"],
    ['XPENDING', ['NO_STREAM', "NOGROUP No such key 'k' or consumer group 'g'"], "NOGROUP No such key 's' or consumer group 'g'"],
    [
      'XGROUP',
      ['NO_STREAM', 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.'],
      "NOGROUP No such consumer group 'g' for key name 's'",
    ],
    ['XINFO', ['NO_STREAM', 'ERR no such key'], "NOGROUP No such consumer group 'g' for key name 's'"],
  ];

  it.each(cases)('words a missing key and a missing group as %s does', (command, [keyCode, keyWords], groupWords) => {
    const { ks } = keyspace();
    ks.command(() => ks.emit({ op: 'create', key: 's' }));
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (err) {
        return err instanceof StreamError ? { code: err.code, message: err.message } : err;
      }
      return undefined;
    };
    expect(refusal(() => ks.requireGroup('k', 'g', command))).toEqual({ code: keyCode, message: keyWords });
    expect(refusal(() => ks.requireStream('k', 'g', command))).toEqual({ code: keyCode, message: keyWords });
    expect(refusal(() => ks.requireGroup('s', 'g', command))).toEqual({ code: 'NOGROUP', message: groupWords });
    expect(ks.requireStream('s', 'g', command)).toBe(ks.streams.get('s'));
  });

  it('answers the stream and its group', () => {
    const { ks } = keyspace();
    ks.command(() => ks.emit({ op: 'group-create', key: 's', group: 'g', lastId: 0n, entriesRead: null }));
    const { s, g } = ks.requireGroup('s', 'g', 'XPENDING');
    expect(s).toBe(ks.streams.get('s'));
    expect(g).toBe(s.groups.get('g'));
  });
});
