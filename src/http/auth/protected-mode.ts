import { isIP } from 'node:net';
import type { Config } from '../../config.js';
import { Authenticator } from './authenticator.js';

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const name = bare.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

/**
 * Protected mode, as Redis has it: listening beyond loopback with no way to
 * authenticate is refused unless AUTH=none says so. Answers the message that
 * names the fix, or undefined when the server may start.
 */
export function protectedModeRefusal(config: Pick<Config, 'host' | 'auth' | 'authTokensFile' | 'authJwtSecret' | 'authJwtPublicKeyFile'>): string | undefined {
  if (isLoopbackHost(config.host) || config.auth === 'none' || Authenticator.configured(config)) return undefined;
  return (
    `streamgate refuses to start: HOST=${config.host} accepts connections from other machines and no authentication is configured, ` +
    'so anyone who can reach it could read, acknowledge and delete every stream. Either set AUTH_TOKENS_FILE (scoped API tokens), ' +
    'AUTH_JWT_SECRET or AUTH_JWT_PUBLIC_KEY_FILE (JWTs); or listen on loopback only (HOST=127.0.0.1); ' +
    'or, if something in front of streamgate already authenticates, set AUTH=none explicitly.'
  );
}
