import { z } from 'zod';
import { DEFER, isUnicode, withFastCheck, type Defer } from './fast-check.js';

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const streamParams = withFastCheck(z.object({ stream: streamName }), (params) => {
  if (!isObject(params)) return DEFER;
  const stream = fastName(params.stream);
  return stream === DEFER ? DEFER : { stream };
});

export const groupParams = withFastCheck(z.object({ stream: streamName, group: groupName }), (params) => {
  if (!isObject(params)) return DEFER;
  const stream = fastName(params.stream);
  const group = fastName(params.group);
  return stream === DEFER || group === DEFER ? DEFER : { stream, group };
});

export const consumerParams = withFastCheck(z.object({ stream: streamName, group: groupName, consumer: consumerName }), (params) => {
  if (!isObject(params)) return DEFER;
  const stream = fastName(params.stream);
  const group = fastName(params.group);
  const consumer = fastName(params.consumer);
  return stream === DEFER || group === DEFER || consumer === DEFER ? DEFER : { stream, group, consumer };
});
