import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { JwtModuleOptions, JwtOptionsFactory } from '@nestjs/jwt';
import { JwksClient, type SigningKey } from 'jwks-rsa';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';

type Algorithm = NonNullable<NonNullable<JwtModuleOptions['verifyOptions']>['algorithms']>[number];

const HMAC_ALGORITHMS: Algorithm[] = ['HS256', 'HS384', 'HS512'];
/** The algorithms accepted with a public key or a JWKS: never HS*, so a public key cannot be used as an HMAC secret. */
const ASYMMETRIC_ALGORITHMS: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** JWKS keys: cached per `kid` for 10 minutes; a cache miss fetches the set, at most 10 times a minute. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_CACHE_MAX_ENTRIES = 20;
const JWKS_REQUESTS_PER_MINUTE = 10;
const JWKS_TIMEOUT_MS = 10_000;

/** What every JWT verification checks besides the signature. */
export interface JwtChecks {
  algorithms: Algorithm[];
  issuer?: string;
  audience?: string;
  /** Longest token life accepted (`jwt.maxAgeSeconds`); tokens without `exp` are refused when it is set. */
  maxAgeSeconds?: number;
}

type KeySource = { key: KeyObject } | { jwks: JwksClient } | null;

/**
 * The keys and checks of JWT verification, from the `jwt` options: a shared secret (HS*), a PEM public key, or the
 * signing keys of a JWKS endpoint looked up by the token's `kid` (so an identity provider can rotate its keys),
 * always with a pinned list of algorithms. The one source of keys of the `parley-jwt` passport strategy (HTTP) and
 * of `JwtService` (the JwtModule options it makes; sockets), so both verify alike.
 */
@Injectable()
export class JwtKeys implements JwtOptionsFactory {
  readonly checks: JwtChecks;
  private readonly source: KeySource;
  private readonly logger = new Logger('ChatAuth');
  private readonly parsedKeys = new Map<string, KeyObject>();

  constructor(config: ChatConfig) {
    const jwt = config.options.jwt ?? {};
    if (jwt.publicKey && jwt.jwksUri) throw new Error('ChatModule: give `jwt.publicKey` or `jwt.jwksUri`, not both');
    const asymmetric = Boolean(jwt.publicKey || jwt.jwksUri);
    const algorithms = (jwt.algorithms ?? (asymmetric ? ASYMMETRIC_ALGORITHMS : ['HS256'])) as Algorithm[];
    if (algorithms.some((alg) => alg.toLowerCase() === 'none')) throw new Error('ChatModule: the `none` JWT algorithm cannot be accepted');
    const family = asymmetric ? ASYMMETRIC_ALGORITHMS : HMAC_ALGORITHMS;
    const foreign = algorithms.filter((alg) => !family.includes(alg));
    if (foreign.length > 0) {
      throw new Error(
        asymmetric
          ? `ChatModule: with \`jwt.publicKey\` or \`jwt.jwksUri\` only RS*, PS* and ES* algorithms can be accepted, not ${foreign.join(', ')}`
          : `ChatModule: with \`jwt.secret\` only HS256, HS384 and HS512 can be accepted, not ${foreign.join(', ')}`,
      );
    }
    if (jwt.maxAgeSeconds !== undefined && !(Number.isInteger(jwt.maxAgeSeconds) && jwt.maxAgeSeconds > 0)) {
      throw new Error('ChatModule: `jwt.maxAgeSeconds` must be a positive whole number of seconds');
    }
    this.checks = { algorithms, issuer: jwt.issuer, audience: jwt.audience, maxAgeSeconds: jwt.maxAgeSeconds };
    if (jwt.jwksUri) {
      this.source = {
        jwks: new JwksClient({
          jwksUri: jwt.jwksUri,
          cache: true,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          cacheMaxEntries: JWKS_CACHE_MAX_ENTRIES,
          rateLimit: true,
          jwksRequestsPerMinute: JWKS_REQUESTS_PER_MINUTE,
          timeout: JWKS_TIMEOUT_MS,
        }),
      };
    } else if (jwt.publicKey) {
      this.source = { key: createPublicKey(jwt.publicKey) };
    } else {
      // A KeyObject, not the string: jsonwebtoken tries a string as a PEM public key first, and that failing parse
      // cost more than the verification itself on every request.
      this.source = jwt.secret ? { key: createSecretKey(Buffer.from(jwt.secret)) } : null;
    }
  }

  /**
   * The key that verifies `token`: the secret, the public key, or the JWKS key of the token's `kid` (fetched on first
   * sight, then cached). A token whose header names an algorithm that is not accepted is refused here, before any
   * key is fetched.
   */
  async keyFor(token: string): Promise<KeyObject> {
    const header = tokenHeader(token);
    if (!header) throw this.refused('not a JWT (no JSON header)');
    if (typeof header.alg !== 'string' || !this.checks.algorithms.includes(header.alg as Algorithm)) {
      throw this.refused(`algorithm ${String(header.alg)} not accepted (accepted: ${this.checks.algorithms.join(', ')})`);
    }
    if (!this.source) throw invalidToken();
    if ('key' in this.source) return this.source.key;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let key: SigningKey;
    try {
      key = await this.source.jwks.getSigningKey(kid);
    } catch (error) {
      // An unknown kid is the token's fault; an unreachable or rate-limited endpoint is worth an operator's look.
      if (!(error instanceof Error && error.name === 'SigningKeyNotFoundError')) {
        this.logger.warn(`JWKS key lookup failed: ${error instanceof Error ? error.message : String(error)}`);
        throw invalidToken();
      }
      throw this.refused(`no key ${kid === undefined ? 'without a kid' : `with kid ${kid}`} in the JWKS`);
    }
    // A key published for one algorithm is not used for another.
    if (key.alg && key.alg !== header.alg) throw this.refused(`key ${key.kid} is published for ${key.alg}, the token says ${header.alg}`);
    return this.publicKeyOf(key.getPublicKey());
  }

  /**
   * The 401 of a token refused before its signature is checked, with the reason at debug level for the operator (as
   * `authenticationFailure` does for the verifier's own refusals); the client only learns "not valid".
   */
  private refused(reason: string): ChatError {
    this.logger.debug(`Token refused: ${reason}`);
    return invalidToken();
  }

  /** JWKS keys parsed once per key (the client caches the JWK, not the parsed key). */
  private publicKeyOf(pem: string): KeyObject {
    let key = this.parsedKeys.get(pem);
    if (!key) {
      key = createPublicKey(pem);
      if (this.parsedKeys.size >= JWKS_CACHE_MAX_ENTRIES) this.parsedKeys.clear();
      this.parsedKeys.set(pem, key);
    }
    return key;
  }

  /** The JwtModule options: JwtService verifies with these keys and checks (the library never signs). */
  createJwtOptions(): JwtModuleOptions {
    return {
      secretOrKeyProvider: (_type, token) => this.keyFor(token as string),
      verifyOptions: { algorithms: this.checks.algorithms, issuer: this.checks.issuer, audience: this.checks.audience },
    };
  }
}

function invalidToken(): ChatError {
  return new ChatError('UNAUTHENTICATED', 'The token is not valid');
}

/** The decoded JOSE header of a compact JWT, or null when it is not one. */
function tokenHeader(token: string): { alg?: unknown; kid?: unknown } | null {
  const [encoded] = token.split('.', 1);
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' ? (header as { alg?: unknown; kid?: unknown }) : null;
  } catch {
    return null;
  }
}
