import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { codePointLength, hasControlCharacter, withoutControlCharacters } from '../common/chat-text';
import type { ChatPrincipal } from './chat-principal';

const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 200;
/**
 * Longest token accepted, in characters: Node's default limit on an HTTP request's headers (16 KiB), which bounds the
 * `Authorization` header of every HTTP request. A socket's `auth.token` is not a header, so it is held to the same.
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** How far an issuer's clock may run ahead of ours before a token's remaining life counts against `maxAgeSeconds`. */
const CLOCK_TOLERANCE_SECONDS = 60;
/** Why tokens were refused, for the operator: the client only learns "not valid". */
const refusalLogger = new Logger('ChatAuth');

/**
 * Turns a bearer token into the caller: the host's `authenticate` function when it gave one, otherwise JWT
 * verification by `JwtService` with the keys and pinned algorithms of `JwtKeys`. Sockets call `verify`; the passport
 * strategies of HTTP requests share its parts (`parley-host` calls `viaHost`, `parley-jwt` verifies with the same
 * keys and checks and maps the claims with `principalFromClaims`), so a token means the same on both transports.
 */
@Injectable()
export class TokenVerifier {
  constructor(
    private readonly config: ChatConfig,
    private readonly jwt: JwtService,
  ) {}

  async verify(token: string | undefined): Promise<ChatPrincipal> {
    if (!token) throw tokenRequired();
    if (token.length > MAX_TOKEN_LENGTH) throw new ChatError('UNAUTHENTICATED', 'The token is too large');
    return this.config.options.authenticate ? this.viaHost(token) : this.viaJwt(token);
  }

  /** The host's `authenticate` function: its principal, or 401 when it refuses, throws or gives no valid user id. */
  async viaHost(token: string): Promise<ChatPrincipal> {
    const authenticate = this.config.options.authenticate;
    let principal: ChatPrincipal | null = null;
    try {
      principal = authenticate ? await authenticate(token) : null;
    } catch {
      principal = null;
    }
    if (!principal || !isValidUserId(principal.userId)) throw new ChatError('UNAUTHENTICATED', 'The token was refused');
    return { ...principal, name: displayName(principal.name) };
  }

  private async viaJwt(token: string): Promise<ChatPrincipal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token);
    } catch (error) {
      throw authenticationFailure(error);
    }
    return principalFromClaims(claims, this.config.options.jwt?.maxAgeSeconds);
  }
}

/**
 * The caller named by verified JWT claims: `sub` is the user id, `name` the display name, `exp` the expiry, `chatAdmin:
 * true` a server administrator, `guest: true` a guest. With
 * `maxAgeSeconds` (the `jwt.maxAgeSeconds` option), a token must expire and may not live longer than that: neither
 * `exp - iat` nor its remaining life (`exp - now`, with a minute of tolerance for the issuer's clock) may exceed it,
 * so a socket, which lives until its token expires, never outlives the access it was opened with by more.
 */
export function principalFromClaims(claims: Record<string, unknown>, maxAgeSeconds?: number): ChatPrincipal {
  const { sub, name, exp, iat } = claims;
  if (maxAgeSeconds !== undefined) {
    if (typeof exp !== 'number') throw new ChatError('UNAUTHENTICATED', 'The token has no expiry (`exp` claim)');
    const lifetime = typeof iat === 'number' ? exp - iat : 0;
    const remaining = exp - Date.now() / 1000;
    if (lifetime > maxAgeSeconds || remaining > maxAgeSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw new ChatError('UNAUTHENTICATED', `The token lives longer than the ${maxAgeSeconds} seconds allowed`);
    }
  }
  if (!isValidUserId(sub)) throw new ChatError('UNAUTHENTICATED', 'The token has no valid `sub` claim');
  return {
    userId: sub,
    name: displayName(name),
    // An `exp` beyond the dates JavaScript can hold (year 275760) never comes: the token simply does not expire.
    expiresAt: typeof exp === 'number' && Number.isFinite(new Date(exp * 1000).getTime()) ? new Date(exp * 1000) : undefined,
    ...(claims.chatAdmin === true && { admin: true }),
    ...guestClaim(claims),
  };
}

/** The `guest: true` claim marks a guest; any other value (or none) a full user. */
function guestClaim(claims: Record<string, unknown>): Pick<ChatPrincipal, 'guest'> {
  return claims.guest === true ? { guest: true } : {};
}

/**
 * The 401 for a token that failed verification: the ChatError a step already chose, "expired" for an expired
 * token, else "not valid" (bad signature, algorithm, issuer, audience, unknown key: the client need not know which).
 */
export function authenticationFailure(reason: unknown): ChatError {
  if (reason instanceof ChatError) return reason;
  // At debug level, the verifier's own words (`jwt issuer invalid. expected: https://id.example.com`, `jwt audience
  // invalid. expected: chat`, `invalid signature`...): what an operator needs when a correctly signed token of an
  // identity provider is refused for its `iss` or `aud`. They name the expected values, never the token.
  refusalLogger.debug(`Token refused: ${reason instanceof Error ? reason.message : String(reason)}`);
  if (reason instanceof Error && reason.name === 'TokenExpiredError') return new ChatError('UNAUTHENTICATED', 'The token has expired');
  return new ChatError('UNAUTHENTICATED', 'The token is not valid');
}

export function tokenRequired(): ChatError {
  return new ChatError('UNAUTHENTICATED', 'A bearer token is required');
}

/** A user id the database can hold: 1 to 255 characters (code points), no control characters (NUL fails a query). */
function isValidUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && codePointLength(value) <= MAX_ID_LENGTH && !hasControlCharacter(value);
}

/** A display name as stored: without control characters, trimmed, at most 200 characters; none when nothing is left. */
function displayName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = [...withoutControlCharacters(value).trim()].slice(0, MAX_NAME_LENGTH).join('').trim();
  return name || undefined;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what the header holds. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
