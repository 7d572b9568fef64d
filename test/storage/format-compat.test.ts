import { copyFile, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StreamCore } from '../../src/core/stream-core.js';
import { MAX_ID } from '../../src/domain/ids.js';
import { createLogFile } from '../../src/storage/data-dir.js';
import { loadDataDir } from '../../src/storage/recovery.js';
import { writeSnapshot } from '../../src/storage/snapshot.js';
import { nodeStorageFs } from '../../src/storage/storage-fs.js';
import { fixtureView } from './fixtures/format-view.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A copy of a committed fixture data directory, without its expected.json. */
async function copyFixture(name: string): Promise<string> {
  const dir = await tempDir();
  for (const file of await readdir(join(fixtures, name))) if (file !== 'expected.json') await copyFile(join(fixtures, name, file), join(dir, file));
  return dir;
}

async function load(dir: string): Promise<StreamCore> {
  const core = new StreamCore({ clock: () => 1_700_000_001_000 });
  await loadDataDir(dir, core, recordingLogger());
  return core;
}

describe('a data directory written by an earlier version', () => {
  it('format-v1 (stream nodes with 16-byte IDs, commit 4942d8e) loads to the state that version read from it', async () => {
    const core = await load(await copyFixture('format-v1'));
    const expected: unknown = JSON.parse(await readFile(join(fixtures, 'format-v1', 'expected.json'), 'utf8'));
    expect(fixtureView(core)).toEqual(expected);
  });

  it('format-v1 loads into streams that take appends, and a snapshot of them by this version loads back the same', async () => {
    const core = await load(await copyFixture('format-v1'));
    for (const key of core.streamKeys()) {
      const top = core.lastIdOf(key);
      if (top !== MAX_ID) core.xadd(key, { id: { kind: 'explicit', id: top + 1n }, fields: ['after', 'load'] });
    }
    expect(core.xrange('small', { start: { id: 0n, exclusive: false }, end: { id: MAX_ID, exclusive: false } })!.at(-1)!.fields).toEqual(['after', 'load']);
    const dir = await tempDir();
    await (await createLogFile(dir, 2, nodeStorageFs)).close();
    await writeSnapshot(dir, 2, core, nodeStorageFs);
    expect(fixtureView(await load(dir))).toEqual(fixtureView(core));
  });
});
