import { Agent } from 'node:https';
import { sendNotification, WebPushError } from 'web-push';
import type { WebPushSettings } from '../notifications-config';
import { describeRequestError, isRetryableStatus, retryAfterMs, type DeliveryOutcome, type PushContent } from './delivery-outcome';

/** How long a push service keeps a push for an offline browser. */
const WEBPUSH_TTL_SECONDS = 24 * 3600;

/** A stored Web Push subscription. */
export interface WebPushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/**
 * Web Push through the `web-push` package: the payload `{ title, body, data }` encrypted with aes128gcm (RFC 8291)
 * for the subscription's keys, and a VAPID (RFC 8292) JWT signed with the server's key. The endpoint was checked
 * against the allowed push-service hosts when the device was registered, and is checked again here by the caller.
 */
export class WebPushSender {
  /** Kept-alive connections to the push services (a TLS handshake per push costs more than the push). */
  private readonly agent: Agent;

  constructor(
    private readonly settings: WebPushSettings,
    private readonly timeoutMs: number,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, scheduling: 'lifo' });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  async send(target: WebPushTarget, push: PushContent, abort: AbortSignal): Promise<DeliveryOutcome> {
    if (abort.aborted) return { kind: 'retry', reason: 'aborted' };
    try {
      await sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(push), {
        vapidDetails: { subject: this.settings.subject, publicKey: this.settings.vapidPublicKey, privateKey: this.settings.vapidPrivateKey },
        TTL: WEBPUSH_TTL_SECONDS,
        contentEncoding: 'aes128gcm',
        urgency: 'high',
        timeout: this.timeoutMs,
        agent: this.agent,
      });
      return { kind: 'sent' };
    } catch (error) {
      if (error instanceof WebPushError) {
        if (error.statusCode === 404 || error.statusCode === 410) return { kind: 'gone', reason: `push service answered ${error.statusCode}` };
        if (isRetryableStatus(error.statusCode)) {
          return { kind: 'retry', reason: `push service answered ${error.statusCode}`, retryAfterMs: retryAfterMs(error.headers?.['retry-after']) };
        }
        return { kind: 'failed', reason: `push service answered ${error.statusCode}` };
      }
      // Keys that do not make a valid subscription (web-push throws before sending): a retry cannot mend it.
      if (error instanceof Error && /subscription|p256dh|auth/i.test(error.message) && !(error as Error & { code?: string }).code) {
        return { kind: 'failed', reason: `invalid subscription: ${error.message}` };
      }
      return { kind: 'retry', reason: `push request failed: ${describeRequestError(error)}` };
    }
  }
}
