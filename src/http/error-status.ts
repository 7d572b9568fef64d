import type { ErrorCode } from '../domain/errors.js';

/** The HTTP status of every error code; a code, its status and its docs row land together. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  NOGROUP: 404,
  BUSYGROUP: 409,
  NO_STREAM: 404,
  NO_CONSUMER: 404,
  NO_MESSAGE: 404,
  NOT_FOUND: 404,
  INVALID_ID: 400,
  ID_NOT_GREATER: 400,
  ID_EXHAUSTED: 400,
  SEQ_EXHAUSTED: 400,
  SETID_TOO_SMALL: 400,
  VALIDATION: 400,
  PAYLOAD_TOO_LARGE: 413,
  STORAGE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};
