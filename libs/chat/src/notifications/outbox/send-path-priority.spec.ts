import { LOADED_SHARE, MAX_YIELD_MS, SendPathPriority, type SendPathActivity } from './send-path-priority';

/** A message writer as the policy sees it, driven by the test. */
class Writer implements SendPathActivity {
  busy = false;
  recentLoad = 0;
  private waiters: Array<() => void> = [];

  idle(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  finish(): void {
    this.busy = false;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

describe('SendPathPriority', () => {
  let writer: Writer;
  let priority: SendPathPriority;
  const stop = new AbortController();

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    writer = new Writer();
    priority = new SendPathPriority(writer);
  });

  afterEach(() => jest.useRealTimers());

  /** Settles `promise` as far as `ms` of fake time allows; undefined when it is still pending. */
  async function after<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let value: T | undefined;
    void promise.then((result) => (value = result));
    await jest.advanceTimersByTimeAsync(ms);
    return value;
  }

  it('gives a turn at once to a writer that is idle and was not loaded', async () => {
    await expect(priority.turn(stop.signal)).resolves.toBe('idle');
  });

  it('waits while the writer is busy, and gives the turn when it is idle', async () => {
    writer.busy = true;
    const turn = priority.turn(stop.signal);
    expect(await after(turn, 200)).toBeUndefined();
    writer.finish();
    expect(await after(turn, 0)).toBe('idle');
  });

  it('waits while the writer is between batches of a heavy load, until the load eases', async () => {
    writer.recentLoad = LOADED_SHARE;
    const turn = priority.turn(stop.signal);
    expect(await after(turn, 300)).toBeUndefined();
    writer.recentLoad = LOADED_SHARE / 2;
    expect(await after(turn, 100)).toBe('idle');
  });

  it('takes a small batch after MAX_YIELD_MS of a load that does not ease, then waits again', async () => {
    writer.busy = true;
    writer.recentLoad = 1;
    const first = priority.turn(stop.signal);
    expect(await after(first, MAX_YIELD_MS - 10)).toBeUndefined();
    expect(await after(first, 10)).toBe('fallback');
    const second = priority.turn(stop.signal);
    expect(await after(second, MAX_YIELD_MS - 10)).toBeUndefined();
    expect(await after(second, 10)).toBe('fallback');
  });

  it('gives up when stopped', async () => {
    const halt = new AbortController();
    writer.busy = true;
    const turn = priority.turn(halt.signal);
    halt.abort();
    expect(await after(turn, 0)).toBe('stopped');
  });
});
