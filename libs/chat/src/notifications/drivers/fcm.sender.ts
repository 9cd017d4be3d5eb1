import { createSign } from 'node:crypto';
import type { FcmSettings } from '../notifications-config';
import { describeRequestError, isRetryableStatus, retryAfterMs, type DeliveryOutcome, type PushContent } from './delivery-outcome';
import { HttpPoster, type PostAnswer } from './http-post';

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** An access token is used until this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;
const ASSERTION_LIFETIME_S = 3600;

/**
 * Firebase Cloud Messaging, HTTP v1 API. The OAuth2 access token comes from the service account (JWT-bearer grant:
 * an RS256 assertion signed with its key, posted to its `token_uri`), is shared by every send and kept until a minute
 * before it expires; one request fetches it however many sends wait for it.
 */
export class FcmSender {
  private token: { value: string; expiresAt: number } | null = null;
  private fetching: Promise<string> | null = null;
  private readonly http: HttpPoster;

  constructor(
    private readonly settings: FcmSettings,
    timeoutMs: number,
    concurrency: number,
  ) {
    this.http = new HttpPoster(timeoutMs, concurrency);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
  }

  async send(registrationToken: string, push: PushContent, abort: AbortSignal): Promise<DeliveryOutcome> {
    let accessToken: string;
    try {
      accessToken = await this.accessToken(abort);
    } catch (error) {
      return { kind: 'retry', reason: `FCM OAuth token: ${describeRequestError(error)}` };
    }
    const account = this.settings.serviceAccount;
    const url = `${this.settings.apiUrl}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;
    const message = {
      token: registrationToken,
      notification: { title: push.title, body: push.body },
      data: push.data,
      android: { priority: 'high' },
    };
    let response: PostAnswer;
    try {
      // The body is read only for the error answers, where it tells an UNREGISTERED token apart.
      response = await this.http.post(url, { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, JSON.stringify({ message }), abort, isError);
    } catch (error) {
      return { kind: 'retry', reason: `FCM request failed: ${describeRequestError(error)}` };
    }
    if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
    const error = fcmError(response.body);
    if (response.status === 404 || error.codes.includes('UNREGISTERED')) return { kind: 'gone', reason: `FCM ${response.status} ${error.codes.join(',') || error.status}` };
    if (response.status === 401) {
      // The access token was revoked or expired early: fetch a new one on the retry.
      this.token = null;
      return { kind: 'retry', reason: 'FCM answered 401' };
    }
    if (isRetryableStatus(response.status)) {
      return { kind: 'retry', reason: `FCM answered ${response.status} ${error.status}`.trim(), retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    // 400 INVALID_ARGUMENT, 403 SENDER_ID_MISMATCH...: this request will never succeed.
    return { kind: 'failed', reason: `FCM answered ${response.status} ${[error.status, ...error.codes].filter(Boolean).join(' ')}`.trim() };
  }

  private async accessToken(abort: AbortSignal): Promise<string> {
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > Date.now()) return this.token.value;
    this.fetching ??= this.fetchToken(abort).finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  private async fetchToken(abort: AbortSignal): Promise<string> {
    const account = this.settings.serviceAccount;
    const now = Math.floor(Date.now() / 1000);
    const assertion = signJwt({ iss: account.client_email, scope: FCM_SCOPE, aud: account.token_uri, iat: now, exp: now + ASSERTION_LIFETIME_S }, account.private_key);
    const form = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();
    const response = await this.http.post(account.token_uri, { 'content-type': 'application/x-www-form-urlencoded' }, form, abort, () => true);
    const body = parseJson(response.body) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || typeof body.access_token !== 'string') {
      throw new Error(`the token endpoint answered ${response.status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`);
    }
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: Date.now() + lifetime * 1000 };
    return this.token.value;
  }
}

/** RS256 JWT (the OAuth2 JWT-bearer assertion). */
export function signJwt(claims: Record<string, unknown>, privateKeyPem: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKeyPem).toString('base64url');
  return `${input}.${signature}`;
}

/** The FCM error body: `{ error: { status, details: [{ '@type': ...FcmError, errorCode }] } }`. */
function fcmError(text: string): { status: string; codes: string[] } {
  try {
    const body = JSON.parse(text) as { error?: { status?: unknown; details?: Array<{ errorCode?: unknown }> } };
    const codes = (body.error?.details ?? []).map((detail) => detail?.errorCode).filter((code): code is string => typeof code === 'string');
    return { status: typeof body.error?.status === 'string' ? body.error.status : '', codes };
  } catch {
    return { status: '', codes: [] };
  }
}

function isError(status: number): boolean {
  return status < 200 || status >= 300;
}

function parseJson(text: string): unknown {
  try {
    return (JSON.parse(text) as unknown) ?? {};
  } catch {
    return {};
  }
}
