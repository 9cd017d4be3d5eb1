import { createSign } from 'node:crypto';
import type { FcmSettings } from '../notifications-config';
import { describeRequestError, isRetryableStatus, retryAfterMs, type DeliveryOutcome, type PushContent } from './delivery-outcome';

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

  constructor(
    private readonly settings: FcmSettings,
    private readonly timeoutMs: number,
  ) {}

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
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ message }),
        redirect: 'manual',
        signal: AbortSignal.any([abort, AbortSignal.timeout(this.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      return { kind: 'retry', reason: `FCM request failed: ${describeRequestError(error)}` };
    }
    if (response.ok) return { kind: 'sent' };
    const error = fcmError(text);
    if (response.status === 404 || error.codes.includes('UNREGISTERED')) return { kind: 'gone', reason: `FCM ${response.status} ${error.codes.join(',') || error.status}` };
    if (response.status === 401) {
      // The access token was revoked or expired early: fetch a new one on the retry.
      this.token = null;
      return { kind: 'retry', reason: 'FCM answered 401' };
    }
    if (isRetryableStatus(response.status)) {
      return { kind: 'retry', reason: `FCM answered ${response.status} ${error.status}`.trim(), retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
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
    const response = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      redirect: 'manual',
      signal: AbortSignal.any([abort, AbortSignal.timeout(this.timeoutMs)]),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
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
