import type { Config } from '../../config.js';
import type { Principal } from './grants.js';
import { JwtVerifier, looksLikeJwt } from './jwt.js';
import { TokenSet } from './tokens-file.js';

export interface AuthLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * The two ways in: a token of AUTH_TOKENS_FILE, or a JWT signed with the
 * configured key. `reload` re-reads both files; when either is bad, the
 * previous tokens and key stay in force and the reason is logged.
 */
export class Authenticator {
  private constructor(
    private readonly config: Pick<Config, 'authTokensFile' | 'authJwtSecret' | 'authJwtPublicKeyFile'>,
    private tokens: TokenSet | undefined,
    private jwt: JwtVerifier | undefined,
  ) {}

  /** Whether the configuration turns authentication on. */
  static configured(config: Pick<Config, 'auth' | 'authTokensFile' | 'authJwtSecret' | 'authJwtPublicKeyFile'>): boolean {
    return config.auth !== 'none' && (config.authTokensFile !== undefined || config.authJwtSecret !== undefined || config.authJwtPublicKeyFile !== undefined);
  }

  /** Throws AuthSetupError when a file cannot be read or parsed. */
  static async create(config: Pick<Config, 'authTokensFile' | 'authJwtSecret' | 'authJwtPublicKeyFile'>): Promise<Authenticator> {
    const { tokens, jwt } = await Authenticator.read(config);
    return new Authenticator(config, tokens, jwt);
  }

  private static async read(config: Pick<Config, 'authTokensFile' | 'authJwtSecret' | 'authJwtPublicKeyFile'>) {
    const tokens = config.authTokensFile === undefined ? undefined : await TokenSet.load(config.authTokensFile);
    const jwt =
      config.authJwtSecret !== undefined
        ? JwtVerifier.fromSecret(config.authJwtSecret)
        : config.authJwtPublicKeyFile !== undefined
          ? await JwtVerifier.fromPublicKeyFile(config.authJwtPublicKeyFile)
          : undefined;
    return { tokens, jwt };
  }

  /** SIGHUP: re-read the tokens file and the JWT key; answers whether the new ones took effect. */
  async reload(log: AuthLog): Promise<boolean> {
    try {
      const { tokens, jwt } = await Authenticator.read(this.config);
      this.tokens = tokens;
      this.jwt = jwt;
      log.info({ tokens: tokens?.size ?? 0, jwt: jwt?.algorithm ?? 'off' }, 'authentication reloaded');
      return true;
    } catch (error) {
      log.error({ reason: (error as Error).message }, 'authentication not reloaded: the previous tokens stay in force');
      return false;
    }
  }

  /** The token's principal; a promise only when the token has to be verified as a JWT. */
  authenticate(token: string): Principal | undefined | Promise<Principal | undefined> {
    const fromFile = this.tokens?.find(token);
    if (fromFile !== undefined) return fromFile;
    if (this.jwt !== undefined && looksLikeJwt(token)) return this.jwt.verify(token);
    return undefined;
  }
}
