import { ChatError } from '../common/chat-error';

/**
 * 429 `SLOW_MODE`: the member sent less than the room's `slowModeSeconds` ago. `retryAfterSeconds` is in the body
 * (and the `Retry-After` header, set by the exception filter) and in the socket ack, as for `RATE_LIMITED`.
 */
export class SlowModeError extends ChatError {
  constructor(readonly retryAfterSeconds: number) {
    super('SLOW_MODE', `Slow mode: you can send again in ${retryAfterSeconds} s`);
  }

  override getResponse(): Record<string, unknown> {
    return { ...(super.getResponse() as Record<string, unknown>), retryAfterSeconds: this.retryAfterSeconds };
  }
}
