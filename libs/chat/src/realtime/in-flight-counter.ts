/** Work under way, and who waits for there to be none: the gateway's client events, waited for on shutdown. */
export class InFlightCounter {
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];

  get count(): number {
    return this.running;
  }

  /** Counts `work` until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running += 1;
    return work.finally(() => {
      this.running -= 1;
      if (this.running === 0) for (const done of this.idleWaiters.splice(0)) done();
    });
  }

  /** Resolves once nothing is under way (at once if nothing is). */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
