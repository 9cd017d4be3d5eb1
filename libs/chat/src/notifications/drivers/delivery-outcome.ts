/** What a push, host-driver call or webhook POST came to. */
export type DeliveryOutcome =
  /**
   * Accepted by the provider: the delivery is done. `skipped`: nothing was sent (the device was deleted, or moved to
   * another user, meanwhile), so the device is not marked used.
   */
  | { kind: 'sent'; skipped?: boolean }
  /** The provider says the device no longer exists (FCM `UNREGISTERED`/404, Web Push 404/410): delete the device. */
  | { kind: 'gone'; reason: string }
  /** A failure worth retrying (network, timeout, 429, 5xx, a non-2xx webhook answer), after `retryAfterMs` if given. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** A failure that a retry cannot mend (the provider refused the request itself): drop the delivery. */
  | { kind: 'failed'; reason: string };

/** What a push shows: API.md's title, body and data (string values). */
export interface PushContent {
  title: string;
  body: string;
  data: { roomId: string; messageId: string; seq: string };
}

/**
 * `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. Capped at
 * an hour, so a provider cannot park a delivery past its give-up time with one header.
 */
export function retryAfterMs(header: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), 3_600_000);
}

/** One short line about a failed request: never a body or a token, only what went wrong. */
export function describeRequestError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out or was aborted';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${error.message} (${cause.code})`;
    return (error as Error & { code?: string }).code ? `${error.message} (${(error as Error & { code?: string }).code})` : error.message;
  }
  return String(error);
}

/** The HTTP status of an answer that is worth retrying: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
