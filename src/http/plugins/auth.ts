import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config } from '../../config.js';
import { QUERY_TOKEN_OPERATIONS, OPERATION_REQUIREMENTS, UNMAPPED_REQUIREMENT, type Requirement } from '../auth/actions.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/grants.js';
import { sendProblem } from '../error-handler.js';
import { makeProblem, PROBLEM_CONTENT_TYPE } from '../problem.js';
import { problemSchema } from '../schemas/problem.js';
import { unencapsulated } from './unencapsulated.js';

/** What a route needs, worked out once when the route is added. */
interface RouteAuth {
  requirement: Requirement;
  /** `?access_token=` is accepted (the SSE routes). */
  queryToken: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** Who the request authenticated as; undefined when authentication is off or the route is public. */
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Undefined when authentication is off. */
    authenticator: Authenticator | undefined;
  }
}

export const BEARER_SCHEME = 'bearerAuth';
export const QUERY_TOKEN_SCHEME = 'accessToken';

/** Routes served without a token whatever the operation: the API docs and CORS preflights. */
function isDocumentation(route: RouteOptions): boolean {
  return route.url === '/openapi.json' || route.url === '/docs' || route.url.startsWith('/docs/');
}

function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

/** What the OpenAPI document says about an operation's authentication. */
function documentRoute(schema: Record<string, unknown>, requirement: Requirement, queryToken: boolean): void {
  if (requirement.kind === 'public') {
    schema.security = [];
    return;
  }
  schema.security = queryToken ? [{ [BEARER_SCHEME]: [] }, { [QUERY_TOKEN_SCHEME]: [] }] : [{ [BEARER_SCHEME]: [] }];
  const response = (schema.response ?? {}) as Record<string, unknown>;
  response[401] ??= problemResponse('No valid token (`UNAUTHORIZED`); the answer carries `WWW-Authenticate: Bearer`');
  response[403] ??= problemResponse('The token lacks the action on the stream (`FORBIDDEN`)');
  response[429] ??= problemResponse('Too many requests or open streams for this token (`RATE_LIMITED`, `TOO_MANY_STREAMS`); see `Retry-After`');
  schema.response = response;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

function presentedToken(request: FastifyRequest, queryToken: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return BEARER.exec(header)?.[1] ?? '';
  if (!queryToken) return undefined;
  const query = request.query as Record<string, unknown>;
  const token = query.access_token;
  delete query.access_token;
  return typeof token === 'string' ? token : undefined;
}

function challenge(reply: FastifyReply, error?: 'invalid_token' | 'insufficient_scope'): FastifyReply {
  return reply.header('www-authenticate', error === undefined ? 'Bearer realm="streamgate"' : `Bearer realm="streamgate", error="${error}"`);
}

function refuseUnauthenticated(request: FastifyRequest, reply: FastifyReply, token: string | undefined): FastifyReply {
  const detail =
    token === undefined || token === ''
      ? 'send a token as Authorization: Bearer <token>'
      : 'the bearer token is not valid (unknown, expired, not yet valid or badly signed)';
  request.log.info({ code: 'UNAUTHORIZED' }, 'request rejected');
  return sendProblem(challenge(reply, token === undefined || token === '' ? undefined : 'invalid_token'), makeProblem('UNAUTHORIZED', detail));
}

/** Undefined when the principal may go on; otherwise the words of the 403. */
function refusal(principal: Principal, requirement: Requirement, request: FastifyRequest): string | undefined {
  switch (requirement.kind) {
    case 'public':
      return undefined;
    case 'stream': {
      const stream = (request.params as { stream?: unknown }).stream;
      if (typeof stream === 'string' && principal.may(requirement.action, stream)) return undefined;
      return `token "${principal.name}" may not ${requirement.action} stream ${JSON.stringify(String(stream))}`;
    }
    case 'service':
      return principal.mayEverywhere(requirement.action) ? undefined : `token "${principal.name}" may not ${requirement.action} this server (it needs ${requirement.action} on "*")`;
    case 'listing':
    case 'streams':
      return principal.mayAnywhere(requirement.action) ? undefined : `token "${principal.name}" may not ${requirement.action} any stream`;
  }
}

/** The streams a validated multi-stream request names. */
function namedStreams(request: FastifyRequest, from: 'body' | 'query'): string[] {
  if (from === 'body') return ((request.body as { streams?: { stream: string }[] } | undefined)?.streams ?? []).map((s) => s.stream);
  const named = (request.query as { stream?: string | string[] } | undefined)?.stream;
  return named === undefined ? [] : Array.isArray(named) ? named : [named];
}

/**
 * Bearer tokens (AUTH_TOKENS_FILE) and JWTs: each route's requirement comes
 * from OPERATION_REQUIREMENTS by operationId. With authentication off, no
 * hook runs at all; the OpenAPI document declares the scheme either way.
 */
export const authPlugin = unencapsulated<{ config: Config }>('streamgate-auth', async (app, { config }) => {
  const authenticator = Authenticator.configured(config) ? await Authenticator.create(config) : undefined;
  app.decorate('authenticator', authenticator);
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    const operationId = typeof schema?.operationId === 'string' ? schema.operationId : undefined;
    let requirement: Requirement;
    if (route.method === 'OPTIONS' || isDocumentation(route)) requirement = { kind: 'public' };
    else if (operationId === 'getMetrics' && config.metricsPublic) requirement = { kind: 'public' };
    else requirement = (operationId !== undefined ? OPERATION_REQUIREMENTS[operationId] : undefined) ?? UNMAPPED_REQUIREMENT;
    const queryToken = operationId !== undefined && QUERY_TOKEN_OPERATIONS.has(operationId);
    route.config = { ...route.config, auth: { requirement, queryToken } };
    if (schema !== undefined && operationId !== undefined) documentRoute(schema, requirement, queryToken);
  });

  if (authenticator === undefined) return;

  app.addHook('onRequest', (request, reply, done) => {
    // Unmatched URLs (404s) have no route config: they need a valid token, nothing more.
    const routeAuth = request.routeOptions.config.auth;
    const requirement = routeAuth?.requirement ?? { kind: 'public' as const };
    if (routeAuth !== undefined && requirement.kind === 'public') return done();
    const token = presentedToken(request, routeAuth?.queryToken ?? false);
    if (token === undefined || token === '') {
      refuseUnauthenticated(request, reply, token);
      return;
    }
    const decide = (principal: Principal | undefined): void => {
      if (principal === undefined) {
        refuseUnauthenticated(request, reply, token);
        return;
      }
      request.principal = principal;
      const detail = refusal(principal, requirement, request);
      if (detail === undefined) return done();
      request.log.info({ code: 'FORBIDDEN', token: principal.name }, 'request rejected');
      sendProblem(challenge(reply, 'insufficient_scope'), makeProblem('FORBIDDEN', detail));
    };
    const found = authenticator.authenticate(token);
    if (found instanceof Promise) found.then(decide, (err: unknown) => done(err as Error));
    else decide(found);
  });

  // A multi-stream operation needs its action on every stream it names: known once the request is validated.
  app.addHook('preHandler', (request, reply, done) => {
    const requirement = request.routeOptions.config.auth?.requirement;
    const principal = request.principal;
    if (requirement?.kind !== 'streams' || principal === undefined) return done();
    const denied = namedStreams(request, requirement.from).find((stream) => !principal.may(requirement.action, stream));
    if (denied === undefined) return done();
    request.log.info({ code: 'FORBIDDEN', token: principal.name }, 'request rejected');
    sendProblem(challenge(reply, 'insufficient_scope'), makeProblem('FORBIDDEN', `token "${principal.name}" may not ${requirement.action} stream ${JSON.stringify(denied)}`));
  });
});

/** Whether the request's principal may read `stream` (everything when authentication is off). */
export function mayRead(request: FastifyRequest, stream: string): boolean {
  return request.principal === undefined || request.principal.may('read', stream);
}
