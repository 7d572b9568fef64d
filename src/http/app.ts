import { readFileSync } from 'node:fs';
import type { Http2SecureServer } from 'node:http2';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { StreamBackend } from '../backends/contract.js';
import type { Config } from '../config.js';
import { fastValidatorCompiler } from './schemas/fast-check.js';
import { MAX_NAME_BYTES } from './schemas/names.js';
import { AuthSetupError } from './auth/tokens-file.js';
import { applyHttp2Deadlines } from './http2-timeouts.js';
import { clientErrorHandler } from './client-error.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { consolePlugin } from './plugins/console.js';
import { authPlugin } from './plugins/auth.js';
import { registerCors } from './plugins/cors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { lifecyclePlugin } from './plugins/lifecycle.js';
import { limitsPlugin } from './plugins/limits.js';
import { metricsPlugin } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { requestGuardPlugin } from './plugins/request-guard.js';
import { genReqId, requestIdPlugin } from './plugins/request-id.js';
import { servicesPlugin } from './plugins/services.js';
import { sseHubPlugin } from './plugins/sse-hub.js';
import { unencapsulated } from './plugins/unencapsulated.js';
import { lazyChildLoggerFactory } from './request-logger.js';
import { apiRoutes } from './routes/index.js';
import { serviceRoutes } from './routes/service.js';

export interface BuildAppOptions {
  backend: StreamBackend;
  config: Config;
  /** A pino logger; none means no logging. */
  logger?: FastifyBaseLogger;
  /** Where /metrics reads from; server.ts shares it with the storage timings. @defaultValue a registry of the app's own */
  metrics?: Registry;
}

/** The application as a plugin: external plugins, then services, then routes. */
const streamgate = unencapsulated<{ backend: StreamBackend; config: Config; metrics?: Registry }>('streamgate', async (app, { backend, config, metrics }) => {
  app.setValidatorCompiler(fastValidatorCompiler);
  // Responses are built by the routes from typed values; re-validating each one with zod (the type
  // provider's serializer) cost more than the rest of a read of 100 messages. The response schemas
  // still document every status in the OpenAPI document, and the HTTP tests pin the shapes.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  registerJsonBody(app);

  await app.register(requestGuardPlugin, { config });
  await registerCors(app, config.corsOrigins);
  await app.register(authPlugin, { config });
  await app.register(limitsPlugin, { config });
  await registerOpenApi(app);

  await app.register(servicesPlugin, { backend, config });
  await app.register(lifecyclePlugin);
  await app.register(requestIdPlugin);
  await app.register(sseHubPlugin);
  await app.register(metricsPlugin, metrics ? { registry: metrics } : {});

  await app.register(serviceRoutes);
  await app.register(apiRoutes, { prefix: '/v1' });
  await app.register(consolePlugin);
});

/** HTTPS with HTTP/2 when TLS_CERT_FILE and TLS_KEY_FILE are set; HTTP/1.1 still offered through ALPN. */
function tlsOptions(
  config: Config,
): { http2: true; http2SessionTimeout: number; https: { allowHTTP1: true; handshakeTimeout: number; cert: Buffer; key: Buffer } } | Record<string, never> {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) return {};
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new AuthSetupError(`cannot read ${variable} ${path}: ${(error as Error).message}`);
    }
  };
  // An HTTP/2 session with no frame for KEEP_ALIVE_TIMEOUT_MS closes gracefully (GOAWAY); a TLS handshake not done within
  // HEADERS_TIMEOUT_MS drops the socket (Node's default: 120 s); http2-timeouts.ts has the other deadlines.
  return {
    http2: true,
    http2SessionTimeout: config.keepAliveTimeoutMs,
    https: {
      allowHTTP1: true,
      handshakeTimeout: config.headersTimeoutMs,
      cert: read('TLS_CERT_FILE', config.tlsCertFile),
      key: read('TLS_KEY_FILE', config.tlsKeyFile),
    },
  };
}

export function buildApp({ backend, config, logger, metrics }: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    // Typed as HTTP/1.1: with TLS the server is an Http2SecureServer, whose requests the app handles alike.
    ...(tlsOptions(config) as object),
    ...(logger ? { loggerInstance: logger, childLoggerFactory: lazyChildLoggerFactory } : { logger: false }),
    genReqId,
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: false,
    // A 512-byte name is at most 1536 characters percent-encoded.
    routerOptions: { maxParamLength: MAX_NAME_BYTES * 3 },
    frameworkErrors: errorHandler,
    clientErrorHandler,
    // Slow clients cannot hold the server: headers and the whole request (body included) have deadlines,
    // idle keep-alive connections close. Streaming answers (SSE, long-polls) are not cut: their request is complete.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node checks both deadlines on this period (30 s by default, longer than the deadlines themselves).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(config.headersTimeoutMs / 2))),
      requireHostHeader: false,
    },
  });
  // Over the cap, Node closes new connections at accept.
  if (config.maxConnections > 0) app.server.maxConnections = config.maxConnections;
  if (config.tlsCertFile !== undefined) applyHttp2Deadlines(app.server as unknown as Http2SecureServer, config);
  app.register(streamgate, { backend, config, ...(metrics ? { metrics } : {}) });
  return app as unknown as FastifyInstance;
}
