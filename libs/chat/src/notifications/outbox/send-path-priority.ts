import type { MessageWriter } from '../../messages/message-writer.service';

/** Background work waits for the writer at most this long before it takes a small batch anyway. */
export const MAX_YIELD_MS = 1000;

/**
 * The send path goes first: the dispatcher and the delivery worker take new work only while the message writer is
 * idle, so a delivery backlog draining does not take CPU and pool connections from the sends. They are never starved
 * though: after `MAX_YIELD_MS` of a writer busy all along they take one small batch anyway. Under sustained load the
 * backlog grows and drains once the load stops; at light load the writer is idle nearly always and deliveries go at
 * once.
 */
export class SendPathPriority {
  private lastTurnAt = Date.now();

  constructor(private readonly writer: MessageWriter) {}

  /**
   * Resolves when work may be taken: `'idle'` (the writer is idle: take as much as usual), `'fallback'` (it stayed
   * busy `MAX_YIELD_MS`: take a small batch) or `'stopped'` (`stop` was aborted meanwhile: take nothing).
   */
  async turn(stop: AbortSignal): Promise<'idle' | 'fallback' | 'stopped'> {
    while (this.writer.busy && !stop.aborted) {
      const wait = this.lastTurnAt + MAX_YIELD_MS - Date.now();
      if (wait <= 0) {
        this.lastTurnAt = Date.now();
        return 'fallback';
      }
      let timer: NodeJS.Timeout | undefined;
      let onStop: (() => void) | undefined;
      await Promise.race([
        this.writer.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, wait);
          onStop = resolve;
          stop.addEventListener('abort', onStop, { once: true });
        }),
      ]);
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop!);
    }
    if (stop.aborted) return 'stopped';
    this.lastTurnAt = Date.now();
    return 'idle';
  }
}
