import { createHmac } from 'node:crypto';
import type { WebhookSettings } from '../notifications-config';
import { describeRequestError, isRetryableStatus, retryAfterMs, type DeliveryOutcome } from './delivery-outcome';
import { HttpPoster, type PostAnswer } from './http-post';

/** A webhook as it is POSTed: `{ id, type, createdAt, data }` (receivers deduplicate by `id`). */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
}

/**
 * `Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`: the receiver recomputes it over
 * the raw body it got, compares in constant time and refuses old timestamps (replays).
 */
export function webhookSignature(secret: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** POSTs domain events and `notification`s to the host's endpoint. Any 2xx is success; redirects are not followed. */
export class WebhookSender {
  private readonly http: HttpPoster;

  constructor(
    private readonly settings: WebhookSettings,
    timeoutMs: number,
    concurrency: number,
  ) {
    this.http = new HttpPoster(timeoutMs, concurrency);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
  }

  async send(event: WebhookEvent, abort: AbortSignal): Promise<DeliveryOutcome> {
    // Fields in the documented order (the stored copy is jsonb, which does not keep it).
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
    let response: PostAnswer;
    try {
      const headers = { 'content-type': 'application/json', 'user-agent': 'Parley-Webhooks', 'parley-signature': webhookSignature(this.settings.secret, body), 'parley-event-id': event.id };
      // The receiver's body is drained and ignored: only the status counts.
      response = await this.http.post(this.settings.url, headers, body, abort, () => false);
    } catch (error) {
      return { kind: 'retry', reason: `webhook request failed: ${describeRequestError(error)}` };
    }
    if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
    // Every other answer is retried for about an hour (API.md): a receiver that is down or deploying answers 4xx too.
    const after = isRetryableStatus(response.status) ? retryAfterMs(response.headers['retry-after']) : undefined;
    return { kind: 'retry', reason: `webhook answered ${response.status}`, retryAfterMs: after };
  }
}
