import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The window the event-loop delay is reported over. */
const WINDOW_MS = 10_000;

/** Event-loop delay of the last window (about 10 s), for readiness: how late this process runs what it is given. */
@Injectable()
export class LoadMonitor implements OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private last = { p99: 0, max: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.last = this.read();
      this.histogram.reset();
    }, WINDOW_MS);
    this.timer.unref();
  }

  /** p99 and max of the event-loop delay in ms: the last full window, or the current one when it is worse. */
  eventLoopDelayMs(): { p99: number; max: number } {
    const current = this.read();
    return current.p99 > this.last.p99 ? current : this.last;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private read(): { p99: number; max: number } {
    if (this.histogram.count === 0) return { p99: 0, max: 0 };
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    return { p99: ms(this.histogram.percentile(99)), max: ms(this.histogram.max) };
  }
}
