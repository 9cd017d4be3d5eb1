import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CHAT_MODULE_OPTIONS } from '../chat.module-definition';
import type { ChatModuleOptions } from '../chat.options';
import { ChatEventBus } from '../events/chat-event-bus';

/** How a send came in. */
export type ChatSendTransport = 'http' | 'socket';

/**
 * What became of a send, from its HTTP status or acknowledgement: `ok` (stored, or an earlier send with the same
 * clientId returned), `refused` (4xx: invalid, not allowed, not found), `rate_limited` (429), `unavailable` (503: the
 * database is away), `failed` (any other 5xx).
 */
export type ChatSendOutcome = 'ok' | 'refused' | 'rate_limited' | 'unavailable' | 'failed';

/** Default prefix of the module's metric names. */
export const DEFAULT_CHAT_METRICS_PREFIX = 'parley_';

const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const BATCH_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The library's Prometheus instruments (prom-client), on the registry given as the module option
 * `metrics.registry` or on one of its own (`registry`), which the host serves (the standalone server's
 * `GET /metrics` does). Names start with `parley_` (`metrics.prefix`):
 *
 * - `parley_sockets_connected` (gauge): sockets of namespace `/chat` connected to this node.
 * - `parley_message_sends_total{transport, outcome}` (counter): message sends answered, by `http` / `socket` and
 *   outcome (`ok`, `refused`, `rate_limited`, `unavailable`, `failed`).
 * - `parley_write_batch_size` (histogram): sends handed to one call of the write function.
 * - `parley_write_batch_seconds{outcome}` (histogram): how long each such call took (`ok` or `failed`).
 * - `parley_writer_queue_depth` (gauge): sends waiting for the writer on this node (queued, or set aside while
 *   their room is busy).
 * - `parley_writer_busy_ratio` (gauge): the share of the last second this node's writer spent writing (notification
 *   work holds back from 0.5: the node is under send load).
 * - `parley_events_published_total{event}` (counter): domain events published after commit on this node.
 *
 * Instruments are process-local: each node reports its own, and Prometheus sums them. Registering on a registry
 * that already holds an instrument of the same name replaces it (an app created again in one process).
 */
@Injectable()
export class ChatMetrics implements OnModuleDestroy {
  readonly registry: Registry;
  private readonly sockets: Gauge;
  private readonly sends: Counter<'transport' | 'outcome'>;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram<'outcome'>;
  private readonly queueDepth: Gauge;
  private readonly events: Counter<'event'>;
  private socketCount: () => number = () => 0;
  private writerQueue: () => number = () => 0;
  private writerBusy: () => number = () => 0;
  private readonly stopListening: () => void;

  constructor(@Inject(CHAT_MODULE_OPTIONS) options: ChatModuleOptions, bus: ChatEventBus) {
    this.registry = options.metrics?.registry ?? new Registry();
    const prefix = options.metrics?.prefix ?? DEFAULT_CHAT_METRICS_PREFIX;
    const registers = [this.registry];
    const name = (base: string) => {
      const full = `${prefix}${base}`;
      this.registry.removeSingleMetric(full);
      return full;
    };
    const metrics = this;
    this.sockets = new Gauge({
      name: name('sockets_connected'),
      help: 'Sockets of namespace /chat connected to this node',
      registers,
      collect() {
        this.set(metrics.socketCount());
      },
    });
    this.sends = new Counter({
      name: name('message_sends_total'),
      help: 'Message sends answered, by transport (http, socket) and outcome (ok, refused, rate_limited, unavailable, failed)',
      labelNames: ['transport', 'outcome'],
      registers,
    });
    this.batchSize = new Histogram({ name: name('write_batch_size'), help: 'Sends handed to one call of the write function', buckets: BATCH_SIZE_BUCKETS, registers });
    this.batchSeconds = new Histogram({
      name: name('write_batch_seconds'),
      help: 'Duration of each call of the write function, by outcome (ok, failed)',
      labelNames: ['outcome'],
      buckets: BATCH_SECONDS_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: name('writer_queue_depth'),
      help: 'Message sends waiting for the writer on this node (queued, or set aside while their room is busy)',
      registers,
      collect() {
        this.set(metrics.writerQueue());
      },
    });
    new Gauge({
      name: name('writer_busy_ratio'),
      help: 'Share of the last second the message writer of this node spent writing (0 to 1)',
      registers,
      collect() {
        this.set(metrics.writerBusy());
      },
    });
    this.events = new Counter({ name: name('events_published_total'), help: 'Domain events published after commit on this node, by event', labelNames: ['event'], registers });
    // Counted as the realtime layer and the host's listeners receive them.
    this.stopListening = bus.onAny((event) => this.events.inc({ event: event.name }));
    for (const outcome of ['ok', 'refused', 'rate_limited', 'unavailable', 'failed'] as const) {
      for (const transport of ['http', 'socket'] as const) this.sends.inc({ transport, outcome }, 0);
    }
  }

  /** The gateway reports how to count this node's sockets. */
  trackSockets(count: () => number): void {
    this.socketCount = count;
  }

  /** The writer reports how to read its queue's depth. */
  trackWriterQueue(depth: () => number): void {
    this.writerQueue = depth;
  }

  trackWriterBusy(share: () => number): void {
    this.writerBusy = share;
  }

  /** One call of the write function for `size` messages: its size, and its duration whether it succeeds or throws. */
  async timeBatch<T>(size: number, write: () => Promise<T>): Promise<T> {
    this.batchSize.observe(size);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await write();
      this.batchSeconds.observe({ outcome: 'ok' }, seconds());
      return result;
    } catch (error) {
      this.batchSeconds.observe({ outcome: 'failed' }, seconds());
      throw error;
    }
  }

  /** A send over HTTP was answered with this status. */
  httpSendAnswered(status: number): void {
    this.sends.inc({ transport: 'http', outcome: sendOutcome(status) });
  }

  /** A `message.send` was acknowledged (a `ChatAck`). */
  socketSendAnswered(ack: { ok: true } | { ok: false; error: { statusCode: number } }): void {
    this.sends.inc({ transport: 'socket', outcome: ack.ok ? 'ok' : sendOutcome(ack.error.statusCode) });
  }

  /** Stops counting events, and takes this module's instruments off the registry (a host's registry lives on). */
  onModuleDestroy(): void {
    this.stopListening();
    for (const metric of [this.sockets, this.sends, this.batchSize, this.batchSeconds, this.queueDepth, this.events]) {
      const name = (metric as unknown as { name: string }).name;
      if (this.registry.getSingleMetric(name) === metric) this.registry.removeSingleMetric(name);
    }
  }
}

/** The outcome of a send from its HTTP status (the acknowledgement's `statusCode` follows the same table). */
export function sendOutcome(status: number): ChatSendOutcome {
  if (status < 400) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'refused' : 'failed';
}
