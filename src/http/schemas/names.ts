import { z } from 'zod';
import { DEFER, isRecord, isUnicode, withFastCheck, type Defer } from './fast-check.js';

export const MAX_NAME_BYTES = 512;

/** Strings must survive a UTF-8 round trip through storage unchanged: no lone surrogates. */
export const unicodeString = z.string().refine((text) => text.isWellFormed(), {
  message: 'must be valid Unicode (it has a lone surrogate)',
});

function name(what: string) {
  return unicodeString
    .refine((text) => text.length > 0 && Buffer.byteLength(text, 'utf8') <= MAX_NAME_BYTES, {
      message: `must be 1 to ${MAX_NAME_BYTES} bytes of UTF-8`,
    })
    .meta({
      description: `${what} name: any UTF-8, 1 to ${MAX_NAME_BYTES} bytes; URL-encode it in a path (\`/\` as \`%2F\`).`,
      minLength: 1,
      maxLength: MAX_NAME_BYTES,
    });
}

export const streamName = name('Stream');
export const groupName = name('Consumer group');
export const consumerName = name('Consumer');

/** The check of `name` for the fast path (fast-check.ts). */
function fastName(value: unknown): string | Defer {
  if (!isUnicode(value) || value.length === 0) return DEFER;
  // A UTF-16 code unit takes at most 3 bytes of UTF-8.
  if (value.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) return DEFER;
  return value;
}

/** Fast check of a params object whose every key is a `name`. */
function namesCheck<K extends string>(...keys: K[]): (params: unknown) => Record<K, string> | Defer {
  return (params) => {
    if (!isRecord(params)) return DEFER;
    const out = {} as Record<K, string>;
    for (const key of keys) {
      const value = fastName(params[key]);
      if (value === DEFER) return DEFER;
      out[key] = value;
    }
    return out;
  };
}

export const streamParams = withFastCheck(z.object({ stream: streamName }), namesCheck('stream'));
export const groupParams = withFastCheck(z.object({ stream: streamName, group: groupName }), namesCheck('stream', 'group'));
export const consumerParams = withFastCheck(
  z.object({ stream: streamName, group: groupName, consumer: consumerName }),
  namesCheck('stream', 'group', 'consumer'),
);
