import { z } from 'zod';

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

export const streamParams = z.object({ stream: streamName });
export const groupParams = z.object({ stream: streamName, group: groupName });
export const consumerParams = z.object({ stream: streamName, group: groupName, consumer: consumerName });
