/**
 * Preloaded (`node --expose-gc -r server-preload.js`) into every server the bench starts (Parley and bare).
 * Nothing in the server changes; over the IPC channel the bench asks:
 * - `{ type: 'memory', gc: true }`: a full GC (twice), then process.memoryUsage(), so the idle-socket figures are
 *   not inflated by garbage not yet collected;
 * - `{ type: 'heap-snapshot', path }`: a heap snapshot (idle scenario with --heap-diff);
 * - `{ type: 'loop-stats' }`: the event loop's delay (p50/p99/max, ms, sampled every 10 ms) and the GC pauses since
 *   the previous request, so a latency spike can be told apart: a blocked loop or a GC pause in the server, or a
 *   wait elsewhere (database, network). Costs a 10 ms timer and a GC observer.
 * And SIGUSR2 ends the process with a normal exit, so a server run with `--cpu-prof` writes its profile (a process
 * killed by a signal, as Nest's shutdown hook re-raises it, writes none). Registered before Nest's handlers.
 */
import { monitorEventLoopDelay, PerformanceObserver, type EntryType } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

process.on('SIGUSR2', () => process.exit(0));

const gc = (globalThis as { gc?: () => void }).gc;
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const gcStats = { count: 0, totalMs: 0, maxMs: 0, over50ms: 0 };
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcStats.count++;
      gcStats.totalMs += entry.duration;
      gcStats.maxMs = Math.max(gcStats.maxMs, entry.duration);
      if (entry.duration > 50) gcStats.over50ms++;
    }
  }).observe({ entryTypes: ['gc' as EntryType] });
} catch {
  // no GC entries on this Node: the loop delay still tells
}

interface Request {
  type?: string;
  id?: number;
  gc?: boolean;
  path?: string;
}

if (process.send) {
  const reply = (message: Record<string, unknown>) => process.send?.(message);
  process.on('message', (message: Request) => {
    switch (message?.type) {
      case 'memory':
        if (message.gc && gc) {
          gc();
          gc();
        }
        // Give the allocator a moment to hand freed pages back before reading RSS.
        setTimeout(() => reply({ type: 'memory', id: message.id, ...process.memoryUsage() }), 200);
        return;
      case 'heap-snapshot':
        if (!message.path) return;
        gc?.();
        writeHeapSnapshot(message.path);
        reply({ type: 'heap-snapshot', id: message.id, path: message.path });
        return;
      case 'loop-stats': {
        const ms = (ns: number) => Math.round(ns / 1e4) / 100;
        reply({
          type: 'loop-stats',
          id: message.id,
          loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
          gc: { count: gcStats.count, totalMs: Math.round(gcStats.totalMs), maxMs: Math.round(gcStats.maxMs), over50ms: gcStats.over50ms },
        });
        loop.reset();
        Object.assign(gcStats, { count: 0, totalMs: 0, maxMs: 0, over50ms: 0 });
        return;
      }
    }
  });
  // The channel must not keep a server alive that is otherwise done.
  process.channel?.unref();
}
