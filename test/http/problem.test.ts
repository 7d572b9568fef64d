import { describe, expect, it } from 'vitest';
import { streamError } from '../../src/domain/errors.js';
import { makeProblem, problemType, redisDetail } from '../../src/http/problem.js';

describe('problem documents', () => {
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
    expect(redisDetail(streamError('BUSYGROUP', 'exists').message)).toBe('Consumer Group name already exists');
    expect(redisDetail('ERR no such key')).toBe('no such key');
    expect(redisDetail("NOGROUP No such key 's' or consumer group 'g'")).toBe("No such key 's' or consumer group 'g'");
    expect(redisDetail('plain words')).toBe('plain words');
    expect(redisDetail('ID 5-0 is gone')).toBe('ID 5-0 is gone');
  });
});
