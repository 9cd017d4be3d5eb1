import { performance } from 'node:perf_hooks';

/**
 * The share of the last `windowMs` that something spent busy, from its busy spells (`start` … `stop`). Cheap enough
 * to ask on every decision: it keeps only the spells that ended inside the window.
 */
export class BusyShare {
  /** Ended spells inside the window, oldest first: [start, end]. */
  private readonly spells: Array<[number, number]> = [];
  private since: number | null = null;

  constructor(
    private readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.since ??= this.now();
  }

  stop(): void {
    if (this.since === null) return;
    const now = this.now();
    this.spells.push([this.since, now]);
    this.since = null;
    this.trim(now - this.windowMs);
  }

  /** Between 0 (idle the whole window) and 1 (busy all along). */
  share(): number {
    const now = this.now();
    const from = now - this.windowMs;
    this.trim(from);
    let busy = this.since === null ? 0 : now - Math.max(this.since, from);
    for (const [start, end] of this.spells) busy += end - Math.max(start, from);
    return Math.min(1, busy / this.windowMs);
  }

  private trim(from: number): void {
    let drop = 0;
    while (drop < this.spells.length && this.spells[drop][1] <= from) drop++;
    if (drop > 0) this.spells.splice(0, drop);
  }
}
