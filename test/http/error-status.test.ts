import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, StreamError, type ErrorCode } from '../../src/domain/errors.js';
import { ERROR_STATUS } from '../../src/http/error-status.js';
import { makeProblem, problemType, redisDetail } from '../../src/http/problem.js';

describe('error catalogue and statuses', () => {
  it('maps every code to the status the API fixes', () => {
    expect(ERROR_STATUS).toEqual({
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
      TOO_MANY_STREAMS: 429,
      TOO_MANY_WAITERS: 429,
      OVERLOADED: 503,
      HOST_NOT_ALLOWED: 403,
      ORIGIN_NOT_ALLOWED: 403,
      REQUEST_TIMEOUT: 408,
      URI_TOO_LONG: 414,
      HEADERS_TOO_LARGE: 431,
      INTERNAL: 500,
    });
    expect(Object.keys(ERROR_STATUS).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  it('only bugs, storage faults and overload are 5xx', () => {
    const fiveHundreds = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] >= 500);
    expect(fiveHundreds.sort()).toEqual(['INTERNAL', 'OVERLOADED', 'SHUTTING_DOWN', 'STORAGE_UNAVAILABLE']);
  });

  it('builds RFC 9457 problems with a type per code', () => {
    expect(problemType('NO_STREAM')).toBe('https://streamgate.dev/problems/no-stream');
    expect(makeProblem('BUSYGROUP', 'Consumer Group name already exists')).toEqual({
      type: 'https://streamgate.dev/problems/busygroup',
      title: 'Consumer group already exists',
      status: 409,
      detail: 'Consumer Group name already exists',
      code: 'BUSYGROUP',
    });
  });

  it("strips Redis's leading error token from details", () => {
    expect(redisDetail(new StreamError('BUSYGROUP', 'BUSYGROUP Consumer Group name already exists').message)).toBe('Consumer Group name already exists');
    expect(redisDetail('ERR no such key')).toBe('no such key');
    expect(redisDetail("NOGROUP No such key 's' or consumer group 'g'")).toBe("No such key 's' or consumer group 'g'");
    expect(redisDetail('plain words')).toBe('plain words');
    expect(redisDetail('ID 5-0 is gone')).toBe('ID 5-0 is gone');
  });
});
