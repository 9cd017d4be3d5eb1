/** What background work needs to know of the message writer. */
export interface SendPathActivity {
  /** Sends are queued or being written now. */
  readonly busy: boolean;
  /** The share of the last second the writer was busy (0..1). */
  readonly recentLoad: number;
  /** Resolves when the writer is not `busy`. */
  idle(): Promise<void>;
}

/** Background work waits for the send path at most this long before it takes a small batch anyway. */
export const MAX_YIELD_MS = 1000;
/** The send path is under load when its writer was busy this share of the last second or more. */
export const LOADED_SHARE = 0.5;
/** While the writer is idle but was loaded, how often the load is looked at again. */
const RECHECK_MS = 50;

/**
 * The send path goes first: the dispatcher and the delivery worker take new work only while the message writer is
 * idle and has not been under load (busy half of the last second or more). A writer that is merely between two
 * batches of a heavy load is not idle in that sense: work taken in those gaps would hold the CPU, the database and the
 * pool when the next sends come, and a node near its limit would give away its send rate to the deliveries.
 * Background work is never starved though: after `MAX_YIELD_MS` of waiting it takes one small batch anyway. So under a
 * heavy sustained load the backlog grows and drains once the load eases; at light or moderate load deliveries go at
 * once.
 */
export class SendPathPriority {
  private lastTurnAt = Date.now();

  constructor(private readonly writer: SendPathActivity) {}

  /**
   * Resolves when work may be taken: `'idle'` (take as much as usual), `'fallback'` (the send path stayed busy or
   * loaded `MAX_YIELD_MS`: take a small batch) or `'stopped'` (`stop` was aborted meanwhile: take nothing).
   */
  async turn(stop: AbortSignal): Promise<'idle' | 'fallback' | 'stopped'> {
    while (!stop.aborted && (this.writer.busy || this.writer.recentLoad >= LOADED_SHARE)) {
      const wait = this.lastTurnAt + MAX_YIELD_MS - Date.now();
      if (wait <= 0) {
        this.lastTurnAt = Date.now();
        return 'fallback';
      }
      let timer: NodeJS.Timeout | undefined;
      let onStop: (() => void) | undefined;
      const waits: Array<Promise<void>> = [
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.writer.busy ? wait : Math.min(wait, RECHECK_MS));
          onStop = resolve;
          stop.addEventListener('abort', onStop, { once: true });
        }),
      ];
      if (this.writer.busy) waits.push(this.writer.idle());
      await Promise.race(waits);
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop!);
    }
    if (stop.aborted) return 'stopped';
    this.lastTurnAt = Date.now();
    return 'idle';
  }
}
