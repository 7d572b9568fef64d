import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../../src/http/auth/actions.js';

export interface TestToken {
  name: string;
  token: string;
  allow: { streams: string; actions: Action[] }[];
  rateLimitPerSecond?: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function makeToken(name: string, allow: TestToken['allow'], rateLimitPerSecond?: number): TestToken {
  return { name, token: `sg_${randomBytes(18).toString('base64url')}`, allow, rateLimitPerSecond };
}

export function tokensFileText(tokens: readonly TestToken[]): string {
  return JSON.stringify({
    tokens: tokens.map(({ name, token, allow, rateLimitPerSecond }) => ({ name, sha256: sha256(token), allow, ...(rateLimitPerSecond ? { rateLimitPerSecond } : {}) })),
  });
}

/** A tokens file in a fresh temporary directory; `remove` deletes the directory. */
export function writeTokensFile(tokens: readonly TestToken[]): { path: string; rewrite(text: string): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'streamgate-auth-'));
  const path = join(dir, 'tokens.json');
  writeFileSync(path, tokensFileText(tokens));
  return { path, rewrite: (text) => writeFileSync(path, text), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function bearer(token: TestToken | string): { authorization: string } {
  return { authorization: `Bearer ${typeof token === 'string' ? token : token.token}` };
}
