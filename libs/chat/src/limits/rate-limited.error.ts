import { ChatError } from '../common/chat-error';

/**
 * 429 `RATE_LIMITED`, with how long to wait: `retryAfterSeconds` in the body (HTTP) and in the socket ack's error;
 * the HTTP guard also sets the `Retry-After` header from it.
 */
export class RateLimitedError extends ChatError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', `${message}: retry in ${retryAfterSeconds} s`);
  }

  override getResponse(): Record<string, unknown> {
    return { ...(super.getResponse() as Record<string, unknown>), retryAfterSeconds: this.retryAfterSeconds };
  }

  /** The socket acknowledgement of a refused event. */
  toAck(): { ok: false; error: { statusCode: number; message: string; code: string; retryAfterSeconds: number } } {
    return { ok: false, error: { statusCode: this.getStatus(), message: this.message, code: this.code, retryAfterSeconds: this.retryAfterSeconds } };
  }
}
