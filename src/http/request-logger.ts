import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];

/** A pino logger as the app is given one: it can say whether a level logs. */
type LevelAwareLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

function isLevelAware(logger: FastifyBaseLogger): logger is LevelAwareLogger {
  return typeof (logger as Partial<LevelAwareLogger>).isLevelEnabled === 'function';
}

/**
 * fastify's per-request child logger (bound to the request ID), made on the
 * first line that would actually be written. At the usual levels most
 * requests log nothing, and a pino child costs a serialization of its
 * bindings on every request (about 1 µs, a few percent of a small append).
 */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // Per-route levels or serializers change what the child logs: it is made at once.
  if (!isLevelAware(logger) || Object.keys(options).length > 0) return logger.child(bindings, options);
  return new LazyChildLogger(logger, bindings);
}

class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: LevelAwareLogger,
    private readonly bindings: Bindings,
  ) {}

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings);
    return this.made;
  }

  /** The child when it exists or when `level` would log; otherwise nothing is written. */
  private target(level: Level): FastifyBaseLogger | undefined {
    return this.made ?? (this.parent.isLevelEnabled(level) ? this.real() : undefined);
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    const target = this.target(level);
    if (target !== undefined) (target[level] as (...a: unknown[]) => void)(...args);
  }
}

// The query parser decodes names, so `access%5Ftoken=` is the parameter too.
const ACCESS_TOKEN_PARAMETER = /([?&]access(?:_|%5f)token=)[^&#]*/gi;
const MENTIONS_ACCESS_TOKEN = /access(?:_|%5f)token/i;

/** A URL as logged: the value of an `access_token` query parameter is replaced. */
export function redactUrl(url: string): string {
  return MENTIONS_ACCESS_TOKEN.test(url) ? url.replace(ACCESS_TOKEN_PARAMETER, '$1[redacted]') : url;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * The pino options the server's logger is built with: tokens never reach a
 * log line, neither the Authorization header (redacted wherever a headers
 * object is logged) nor `?access_token=` in a URL.
 */
export const LOGGER_OPTIONS = {
  redact: {
    paths: ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization', 'req.query.access_token', 'query.access_token'],
    censor: '[redacted]',
  },
  serializers: {
    req: (request: LoggedRequest) => ({
      method: request.method,
      url: redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    }),
  },
};
