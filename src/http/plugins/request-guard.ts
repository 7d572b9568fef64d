import { hostname as machineName, networkInterfaces } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { errorMessage, type ErrorCode } from '../../domain/errors.js';
import { sendProblem } from '../error-handler.js';
import { makeProblem } from '../problem.js';
import { unencapsulated } from './unencapsulated.js';

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * The Host names served when ALLOWED_HOSTS is unset: the loopback names and
 * the bound address; bound to every interface, every interface's address and
 * the machine's name.
 */
export function defaultAllowedHosts(boundHost: string): string[] {
  const hosts = new Set(LOOPBACK_NAMES);
  if (WILDCARD_ADDRESSES.has(boundHost)) {
    hosts.add(machineName().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const { address } of addresses ?? []) hosts.add(bracketed(address.toLowerCase()));
    }
  } else hosts.add(bracketed(boundHost.toLowerCase()));
  return [...hosts];
}

/**
 * `Host` checks: exact names, `*.example.com` for any subdomain, `*` for
 * anything. The loopback names always pass: a page of another site cannot
 * make a browser send them.
 */
export function hostMatcher(allowed: readonly string[]): (hostname: string) => boolean {
  if (allowed.includes('*')) return () => true;
  const exact = new Set([...LOOPBACK_NAMES, ...allowed.filter((host) => !host.startsWith('*.'))]);
  const suffixes = allowed.filter((host) => host.startsWith('*.')).map((host) => host.slice(1));
  return (hostname) => {
    const name = hostname.toLowerCase();
    return exact.has(name) || name.endsWith('.localhost') || suffixes.some((suffix) => name.endsWith(suffix));
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `application/json`, with at most a UTF-8 charset parameter. */
export function isJsonContentType(header: string | undefined): boolean {
  return isTypeWithUtf8(header, 'application/json');
}

/** What a POST may carry: JSON, or NDJSON (the batch route's streaming form), with at most a UTF-8 charset parameter. */
export function isBodyContentType(header: string | undefined): boolean {
  return isJsonContentType(header) || isTypeWithUtf8(header, 'application/x-ndjson');
}

function isTypeWithUtf8(header: string | undefined, mediaType: string): boolean {
  if (header === undefined) return false;
  if (header === mediaType) return true;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== mediaType) return false;
  return parameters.every((parameter) => parameter === '' || /^charset="?utf-8"?$/.test(parameter));
}

function refuse(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, detail: string, status?: number): void {
  request.log.info({ code }, 'request rejected');
  sendProblem(reply, makeProblem(code, detail, status));
}

/**
 * What a browser must not be able to make the server do for another site:
 * - DNS rebinding: a `Host` outside ALLOWED_HOSTS is refused (403 HOST_NOT_ALLOWED);
 * - CSRF: every POST must say `content-type: application/json` (a plain HTML
 *   form or a no-cors fetch cannot), an empty body included (415), or
 *   `application/x-ndjson` (not CORS-safelisted either; only routes with its
 *   parser take it, the others answer 415); and a
 *   write (any method but GET, HEAD, OPTIONS) carrying an `Origin` that is
 *   neither this server's nor in CORS_ORIGINS is refused (403 ORIGIN_NOT_ALLOWED).
 */
export const requestGuardPlugin = unencapsulated<{ config: Config }>('streamgate-request-guard', async (app, { config }) => {
  const allowedHost = hostMatcher(config.allowedHosts.length > 0 ? config.allowedHosts : defaultAllowedHosts(config.host));
  const anyOrigin = config.corsOrigins.includes('*');
  const allowedOrigins = new Set(config.corsOrigins);

  app.addHook('onRequest', (request, reply, done) => {
    const hostname = request.hostname;
    if (hostname === '' && request.raw.httpVersion !== '1.0') {
      return refuse(request, reply, 'VALIDATION', errorMessage('VALIDATION', 'noHost'));
    }
    if (hostname !== '' && !allowedHost(hostname)) {
      return refuse(request, reply, 'HOST_NOT_ALLOWED', errorMessage('HOST_NOT_ALLOWED', 'notServed', hostname));
    }
    const method = request.method;
    if (SAFE_METHODS.has(method)) return done();
    const origin = request.headers.origin;
    if (origin !== undefined && !anyOrigin && !allowedOrigins.has(origin) && !isSameOrigin(origin, request.host)) {
      return refuse(request, reply, 'ORIGIN_NOT_ALLOWED', errorMessage('ORIGIN_NOT_ALLOWED', 'writesRefused', origin));
    }
    const given = request.headers['content-type'];
    if (((method === 'POST' && !request.is404) || given !== undefined) && !isBodyContentType(given)) {
      const detail =
        given === undefined
          ? errorMessage('VALIDATION', 'postWithoutJson')
          : errorMessage('VALIDATION', 'notJson', given);
      return refuse(request, reply, 'VALIDATION', detail, 415);
    }
    done();
  });
});

function isSameOrigin(origin: string, host: string): boolean {
  const separator = origin.indexOf('://');
  return separator > 0 && origin.slice(separator + 3).toLowerCase() === host.toLowerCase();
}
