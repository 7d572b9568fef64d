import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { jwtVerify } from 'jose';
import { z } from 'zod';
import { allowSchema, makePrincipal, type Principal } from './grants.js';
import { AuthSetupError } from './tokens-file.js';

/** The `streamgate` claim: the same allow list as a tokens-file entry. */
const streamgateClaim = z.strictObject({
  allow: allowSchema,
  rateLimitPerSecond: z.number().int().min(1).max(1_000_000).optional(),
});

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** Verifies JWTs with one key (HS256 secret, or an RS256 / ES256 public key); `exp` is required. */
export class JwtVerifier {
  private constructor(
    private readonly key: KeyObject,
    readonly algorithm: JwtAlgorithm,
  ) {}

  static fromSecret(secret: string): JwtVerifier {
    return new JwtVerifier(createSecretKey(Buffer.from(secret, 'utf8')), 'HS256');
  }

  static async fromPublicKeyFile(path: string): Promise<JwtVerifier> {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch (error) {
      throw new AuthSetupError(`cannot read AUTH_JWT_PUBLIC_KEY_FILE ${path}: ${(error as Error).message}`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new AuthSetupError(`AUTH_JWT_PUBLIC_KEY_FILE ${path} is not a PEM public key: ${(error as Error).message}`);
    }
    if (key.asymmetricKeyType === 'rsa') return new JwtVerifier(key, 'RS256');
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return new JwtVerifier(key, 'ES256');
    throw new AuthSetupError(`AUTH_JWT_PUBLIC_KEY_FILE ${path}: expected an RSA key (RS256) or a P-256 EC key (ES256), got ${key.asymmetricKeyType}`);
  }

  /** The principal of a valid token; undefined for any invalid one (bad signature, expired, not yet valid, no claim). */
  async verify(token: string): Promise<Principal | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: [this.algorithm], requiredClaims: ['exp'] });
      const claim = streamgateClaim.safeParse(payload.streamgate);
      if (!claim.success) return undefined;
      return makePrincipal(typeof payload.sub === 'string' ? payload.sub : 'jwt', claim.data.allow, claim.data.rateLimitPerSecond);
    } catch {
      return undefined;
    }
  }
}

/** Three base64url parts: worth trying as a JWT. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
