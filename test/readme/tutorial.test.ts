import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { buildTestAppOn, type TestAppOn } from '../helpers/app.js';
import { backendMatrix, POLICY_BACKENDS, useBackend } from '../helpers/backends.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Step {
  command: string;
  expected: unknown;
  status?: number;
}

/** The curl session between `<!-- name:start -->` and `<!-- name:end -->`: the tutorial, or the delivery-policy walk-through. */
function tutorialSteps(name = 'tutorial'): Step[] {
  const section = README.split(`<!-- ${name}:start -->`)[1]!.split(`<!-- ${name}:end -->`)[0]!;
  const blocks = [...section.matchAll(/```(sh|json)\n([\s\S]*?)\n```|<sub>(\d+), no body<\/sub>/g)];
  const steps: Step[] = [];
  for (const block of blocks) {
    if (block[1] === 'sh') steps.push({ command: block[2]!, expected: undefined });
    else if (block[1] === 'json') steps[steps.length - 1]!.expected = JSON.parse(block[2]!);
    else steps[steps.length - 1]!.status = Number(block[3]);
  }
  return steps;
}

const MARK = '@@tutorial-step-done@@';

/**
 * The blocks as one bash session, in order (variables carry over, as when pasted into one
 * terminal), against the test server: curl fails on an HTTP error, and so does the session.
 * Answers: each block's output.
 */
async function runInBash(steps: Step[], hostPort: string): Promise<string[]> {
  const script = [
    'set -euo pipefail',
    'curl() { command curl --fail-with-body "$@"; }',
    ...steps.flatMap((step) => [step.command.replaceAll('localhost:8080', hostPort), `printf '\\n%s\\n' '${MARK}'`]),
  ].join('\n');
  // Not spawnSync: the server answering the session runs in this process.
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
  expect(result.status, `the tutorial's shell session failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout.split(`\n${MARK}\n`).slice(0, steps.length);
}

function missingTools(): string[] {
  return ['bash', 'curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

const ID = /^\d+-\d+$/;
const TIME_KEYS = new Set(['idleMs', 'inactiveMs', 'ackDeadline']);

/** Compares a response with the README's, mapping the README's IDs to this run's as they first appear. */
function matches(expected: unknown, actual: unknown, ids: Map<string, string>, key = ''): boolean {
  if (TIME_KEYS.has(key)) return typeof actual === 'number' && typeof expected === 'number';
  if (typeof expected === 'string' && ID.test(expected) && expected !== '0-0') {
    if (typeof actual !== 'string') return false;
    const known = ids.get(expected);
    if (known !== undefined) return known === actual;
    ids.set(expected, actual);
    return true;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => matches(e, actual[i], ids));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => matches((expected as any)[k], (actual as any)[k], ids, k));
  }
  return expected === actual;
}

describe('the README', () => {
  it('opens with the command to start the server and the command to run the tests', () => {
    const firstBlock = README.match(/```sh\n([\s\S]*?)\n```/)![1]!;
    expect(firstBlock).toMatch(/npm start/);
    expect(firstBlock).toMatch(/npm test/);
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });

  it('its curl sessions hold no hard-coded message ID and quote every URL', () => {
    for (const step of [...tutorialSteps(), ...tutorialSteps('policies')]) {
      expect(step.command, 'IDs come from shell variables set by earlier steps').not.toMatch(/\d{10,}-\d+/);
      for (const url of step.command.matchAll(/(\S*)localhost:8080\S*/g)) expect(url[1], step.command).toMatch(/"$/);
    }
  });
});

/** Runs the README session `name` against a server on each row, checking every answer it shows. */
function describeSession(name: string, title: string, rows: ReturnType<typeof backendMatrix>, minSteps: number): void {
  describe.each(rows)(title, (row) => {
    const env = useBackend(row);
    let t: TestAppOn<StreamBackend>;
    let base: string;

    beforeAll(async () => {
      t = await buildTestAppOn(env.backend);
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await t.close();
    });

    it('its curl session, pasted into bash in order, gives the responses it shows, as compact JSON', async (context) => {
      const missing = missingTools();
      if (missing.length > 0) {
        const message = `the README tutorial test needs ${missing.join(', ')}`;
        if (process.env.CI) throw new Error(`${message} (CI: install them)`);
        console.warn(`\n!! SKIPPED: ${message}; install them to run it.\n`);
        context.skip();
      }
      const steps = tutorialSteps(name);
      expect(steps.length).toBeGreaterThanOrEqual(minSteps);
      const outputs = await runInBash(steps, base.replace(/^http:\/\//, ''));
      const ids = new Map<string, string>();
      steps.forEach((step, i) => {
        const output = outputs[i]!.replace(/\n$/, '');
        if (step.status !== undefined) {
          expect(output, step.command).toBe('');
          return;
        }
        const actual = JSON.parse(output);
        expect(output, `${step.command}: one line of compact JSON`).toBe(JSON.stringify(actual));
        expect(matches(step.expected, actual, ids), `${step.command}\nexpected ${JSON.stringify(step.expected)}\ngot      ${output}`).toBe(true);
      });
    });
  });
}

describeSession('tutorial', 'the README tutorial on $name', backendMatrix().filter((row) => row.available), 15);
describeSession('policies', "the README's delivery-policy walk-through on $name", backendMatrix().filter((row) => row.available && POLICY_BACKENDS.includes(row.name)), 8);
