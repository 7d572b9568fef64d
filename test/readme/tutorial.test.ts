import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { buildTestAppOn, type TestAppOn } from '../helpers/app.js';
import { backendMatrix, useBackend } from '../helpers/backends.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Step {
  command: string;
  method: string;
  path: string;
  body?: string;
  expected: unknown;
  status?: number;
}

/** Splits a shell line into words, honouring single quotes and backslash-newline. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  for (const ch of line.replace(/\\\n/g, ' ')) {
    if (quoted) {
      if (ch === "'") quoted = false;
      else word += ch;
    } else if (ch === "'") {
      quoted = true;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function parseCurl(command: string): Pick<Step, 'method' | 'path' | 'body'> {
  const words = shellWords(command);
  expect(words[0]).toBe('curl');
  let method = 'GET';
  let url: string | undefined;
  let body: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') method = words[++i]!;
    else if (word === '-d') body = words[++i]!;
    else if (word === '-H') i++;
    else if (word === '-s') continue;
    else url = word;
  }
  expect(url).toMatch(/^localhost:8080\//);
  return { method, path: url!.slice('localhost:8080'.length), body };
}

function tutorialSteps(): Step[] {
  const section = README.split('<!-- tutorial:start -->')[1]!.split('<!-- tutorial:end -->')[0]!;
  const blocks = [...section.matchAll(/```(sh|json)\n([\s\S]*?)\n```|<sub>(\d+), no body<\/sub>/g)];
  const steps: Step[] = [];
  for (const block of blocks) {
    if (block[1] === 'sh') {
      const command = block[2]!;
      steps.push({ command, ...parseCurl(command), expected: undefined });
    } else if (block[1] === 'json') {
      steps[steps.length - 1]!.expected = JSON.parse(block[2]!);
    } else {
      steps[steps.length - 1]!.status = Number(block[3]);
    }
  }
  return steps;
}

const ID = /^\d+-\d+$/;
const TIME_KEYS = new Set(['idleMs', 'inactiveMs']);

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

});

describe.each(backendMatrix().filter((row) => row.available))('the README tutorial on $name', (row) => {
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

  it('its curl session, replayed in order, gives the responses it shows', async () => {
    const steps = tutorialSteps();
    expect(steps.length).toBeGreaterThanOrEqual(15);
    const ids = new Map<string, string>();
    for (const step of steps) {
      let body = step.body;
      for (const [readmeId, actualId] of ids) body = body?.replaceAll(readmeId, actualId);
      const response = await fetch(base + step.path, {
        method: step.method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      if (step.status !== undefined) {
        expect(response.status, step.command).toBe(step.status);
        expect(text, step.command).toBe('');
        continue;
      }
      expect(response.ok, `${step.command}\n${text}`).toBe(true);
      const actual = JSON.parse(text);
      expect(matches(step.expected, actual, ids), `${step.command}\nexpected ${JSON.stringify(step.expected)}\ngot      ${text}`).toBe(true);
    }
  });
});
