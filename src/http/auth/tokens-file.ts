import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { allowSchema, makePrincipal, type Principal } from './grants.js';

/**
 * AUTH_TOKENS_FILE:
 * `{"tokens": [{"name": "...", "sha256": "<hex>", "allow": [{"streams": "orders*", "actions": ["append"]}], "rateLimitPerSecond": 50}]}`.
 * Only the SHA-256 of each token is stored; the token itself never is.
 */
const tokensFileSchema = z.strictObject({
  tokens: z.array(
    z.strictObject({
      name: z.string().min(1).max(200),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits: the SHA-256 of the token')
        .transform((hex) => hex.toLowerCase()),
      allow: allowSchema,
      rateLimitPerSecond: z.number().int().min(1).max(1_000_000).optional(),
    }),
  ),
});

export class AuthSetupError extends Error {
  override readonly name = 'AuthSetupError';
}

interface StoredToken {
  digest: Buffer;
  principal: Principal;
}

export class TokenSet {
  private constructor(private readonly tokens: readonly StoredToken[]) {}

  static parse(text: string, source: string): TokenSet {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new AuthSetupError(`${source} is not JSON: ${(error as Error).message}`);
    }
    const parsed = tokensFileSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
      throw new AuthSetupError(`${source} is not a tokens file: ${issues.join('; ')}`);
    }
    const seen = new Set<string>();
    for (const token of parsed.data.tokens) {
      if (seen.has(token.sha256)) throw new AuthSetupError(`${source}: token "${token.name}" repeats the sha256 of an earlier token`);
      seen.add(token.sha256);
    }
    return new TokenSet(
      parsed.data.tokens.map((token) => ({
        digest: Buffer.from(token.sha256, 'hex'),
        principal: makePrincipal(token.name, token.allow, token.rateLimitPerSecond),
      })),
    );
  }

  static async load(path: string): Promise<TokenSet> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new AuthSetupError(`cannot read AUTH_TOKENS_FILE ${path}: ${(error as Error).message}`);
    }
    return TokenSet.parse(text, `AUTH_TOKENS_FILE ${path}`);
  }

  get size(): number {
    return this.tokens.length;
  }

  /**
   * The token's principal. Every stored digest is compared, each in constant
   * time, so the time taken says nothing about which digest came close.
   */
  find(token: string): Principal | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: Principal | undefined;
    for (const stored of this.tokens) {
      if (timingSafeEqual(stored.digest, digest) && found === undefined) found = stored.principal;
    }
    return found;
  }
}
