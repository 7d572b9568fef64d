import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isLoopbackHost, protectedModeRefusal } from '../../src/http/auth/protected-mode.js';
import { bearer, makeToken, tokensFileText, writeTokensFile } from '../helpers/auth.js';
import { runServerToExit, startServer } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamgate-protected-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('protected mode', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', 'api.localhost', '::ffff:127.0.0.1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '::ffff:10.0.0.1', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });

  it('refuses beyond loopback without authentication, unless AUTH=none', () => {
    expect(protectedModeRefusal(loadConfig({ HOST: '0.0.0.0' }))).toMatch(/AUTH_TOKENS_FILE.*AUTH=none/);
    expect(protectedModeRefusal(loadConfig({ HOST: '0.0.0.0', AUTH: 'none' }))).toBeUndefined();
    expect(protectedModeRefusal(loadConfig({ HOST: '0.0.0.0', AUTH_TOKENS_FILE: '/etc/tokens.json' }))).toBeUndefined();
    expect(protectedModeRefusal(loadConfig({ HOST: '::', AUTH_JWT_SECRET: 'x'.repeat(32) }))).toBeUndefined();
    expect(protectedModeRefusal(loadConfig({}))).toBeUndefined();
  });

  it('the server exits 2 with the fix in its message (it never listens)', { timeout: 60_000 }, async () => {
    const { code, output } = await runServerToExit({ HOST: '0.0.0.0', DATA_DIR: dataDir });
    expect(code).toBe(2);
    expect(output).toContain('set AUTH_TOKENS_FILE');
    expect(output).toContain('AUTH=none');
  });

  it('a bad tokens file stops the server with exit 2, naming the file', { timeout: 60_000 }, async () => {
    const file = writeTokensFile([]);
    file.rewrite('{"tokens": 1}');
    try {
      const { code, output } = await runServerToExit({ HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_TOKENS_FILE: file.path });
      expect(code).toBe(2);
      expect(output).toContain(`AUTH_TOKENS_FILE ${file.path} is not a tokens file`);
    } finally {
      file.remove();
    }
  });
});

describe('SIGHUP', () => {
  it('reloads the tokens file in a running server; a bad file keeps the old tokens', { timeout: 60_000 }, async () => {
    const first = makeToken('first', [{ streams: '*', actions: ['read'] }]);
    const second = makeToken('second', [{ streams: '*', actions: ['read'] }]);
    const file = writeTokensFile([first]);
    const server = await startServer({ DATA_DIR: dataDir, AUTH_TOKENS_FILE: file.path });
    const status = async (token: typeof first) => (await fetch(`${server.url}/v1/streams`, { headers: bearer(token) })).status;
    const reloaded = async (text: string) => {
      const before = server.output().length;
      server.child.kill('SIGHUP');
      while (!/authentication (not )?reloaded/.test(server.output().slice(before))) await new Promise((r) => setTimeout(r, 20));
      return text;
    };
    try {
      expect(await status(first)).toBe(200);
      file.rewrite(tokensFileText([second]));
      await reloaded('good');
      expect(await status(first)).toBe(401);
      expect(await status(second)).toBe(200);
      file.rewrite('{broken');
      await reloaded('bad');
      expect(server.output()).toContain('authentication not reloaded');
      expect(await status(second)).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      expect(await server.stop()).toBe(0);
      file.remove();
    }
    expect(server.output()).not.toContain(first.token);
  });
});
