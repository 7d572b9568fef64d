import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { FakeClock, opArb, runOp } from '../storage/helpers/core-ops.js';

describe('snapshots taken while writes go on', () => {
  it('converge: the effects since the snapshot began, replayed over it, give the live state', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 150 }),
        fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (before, between, batchSize) => {
          const clock = new FakeClock();
          const core = new StreamCore({ clock: clock.now });
          for (const op of before) runOp(core, clock, op);
          const log: EffectBatch[] = [];
          core.setSink((batch) => log.push(batch));
          // The snapshot walks each stream a few entries at a time; other commands run between its batches.
          const snapshot: EffectBatch[] = [];
          let turn = 0;
          for (const key of core.streamKeys()) {
            for (const batch of core.snapshotStream(key, batchSize)) {
              snapshot.push(batch);
              for (const op of between[turn++] ?? []) runOp(core, clock, op);
            }
          }
          for (const ops of between.slice(turn)) for (const op of ops) runOp(core, clock, op);
          const restored = new StreamCore();
          for (const batch of snapshot) restored.applyBatch(batch);
          for (const batch of log) restored.applyBatch(batch);
          expect(restored.debugState()).toEqual(core.debugState());
        },
      ),
      { numRuns: 400 },
    );
  });
});
