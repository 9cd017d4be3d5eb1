import { Logger, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions, Socket } from 'socket.io';

/** The part of a node-redis v4+ client the adapter uses; `createClient()` from `redis` fits. */
export interface AdapterRedisClient {
  /** A new client with the same options, and `overrides` (node-redis: `disableOfflineQueue` is set per client). */
  duplicate(overrides?: Record<string, unknown>): AdapterRedisClient;
  connect(): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  /** Closes at once, failing what is queued: used at shutdown when Redis does not answer. */
  destroy?(): unknown;
  /** Connected and ready for commands. */
  readonly isReady?: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** What `RedisConnectionMonitor.watch` listens to: any node-redis or ioredis client. */
export interface RedisEventSource {
  on(event: string, listener: (...args: any[]) => void): unknown;
  readonly isReady?: boolean;
  readonly status?: string;
}

/** How `RedisConnectionMonitor.watch` checks that Redis answers on an open connection. */
export interface RedisProbe {
  /** Sends a PING (`() => client.ping()`). */
  ping(): Promise<unknown>;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Default 1000 ms. */
  timeoutMs?: number;
}

export interface ChatIoAdapterOptions {
  /**
   * A Redis client to fan events and subscriptions out to every node (@socket.io/redis-adapter); it is duplicated
   * into a publisher and a subscriber, which reconnect and resubscribe by themselves after Redis restarts.
   * Unset: this process only.
   */
  redis?: AdapterRedisClient;
  /**
   * Reports the adapter's Redis connections: one warning when an outage starts, one line when it ends. Give the
   * monitor your other Redis clients watch too, so that the node logs one outage, not one per client. Default: a
   * monitor of the adapter's own (logger context `Redis`).
   */
  redisMonitor?: RedisConnectionMonitor;
  /** CORS of the Socket.IO HTTP endpoints (long-polling and the handshake). */
  cors?: ServerOptions['cors'];
  /**
   * Transports the server accepts. Default both; clients should ask for `['websocket']`. Long-polling behind a
   * load balancer with several nodes needs sticky sessions.
   */
  transports?: ServerOptions['transports'];
  /** Largest message a client may send, in bytes; a bigger one closes that socket. Default 256 KiB. */
  maxHttpBufferSize?: number;
  /**
   * Prefix of the Redis pub/sub channels of the adapter (@socket.io/redis-adapter's `key`). Default `socket.io`.
   * Deployments that share one Redis need different prefixes, or each one's events and subscriptions reach the
   * other's sockets; nodes of one deployment need the same one. Give the presence store its own (`keyPrefix`).
   */
  redisKeyPrefix?: string;
  /**
   * How long a connection may stay open without joining a namespace, in ms. Default 10 s (Socket.IO's own is 45 s):
   * connections to an unknown namespace, or refused by every one, are closed then.
   */
  connectTimeoutMs?: number;
  /**
   * Accept connections to the main namespace `/`. Default false: the chat lives on `/chat`, so a connection to `/`
   * is refused (`connect_error` "Invalid namespace") and its transport closed unless it has joined another
   * namespace. Set it only if a gateway of your own uses `/`; that gateway must then authenticate its sockets itself.
   */
  allowDefaultNamespace?: boolean;
}

/**
 * The Socket.IO adapter for apps that serve the chat: `app.useWebSocketAdapter(adapter)` after
 * `await adapter.connectToRedis()` when `redis` is given.
 *
 * A Redis outage never takes the node down: events still reach this node's own sockets at once, and those for the
 * other nodes are dropped (Redis pub/sub keeps nothing; clients catch up with `changes?since=`) until the clients
 * have reconnected, which they do by themselves with backoff, resubscribing. The node can start without Redis too.
 * @socket.io/redis-adapter sends its commands without handling their promises; every command it gets from these
 * clients has its failure handled here (see `guardCommands`), or a failed PUBLISH would be an unhandled rejection,
 * which ends the process.
 */
export class ChatIoAdapter extends IoAdapter {
  private readonly monitor: RedisConnectionMonitor;
  private redisAdapter?: ReturnType<typeof createAdapter>;
  private readonly redisClients: AdapterRedisClient[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly options: ChatIoAdapterOptions = {},
  ) {
    super(app);
    this.monitor = options.redisMonitor ?? new RedisConnectionMonitor();
  }

  /**
   * Creates the publisher and the subscriber and starts connecting them. Resolves once each has connected or failed
   * its first attempt: when Redis is away the node starts without it, and the clients keep trying by themselves.
   */
  async connectToRedis(): Promise<void> {
    if (!this.options.redis || this.redisAdapter) return;
    // The publisher fails at once while disconnected instead of queueing every event of the outage (unbounded, and
    // stale when delivered); the subscriber keeps its offline queue, which holds only its SUBSCRIBE commands.
    const publisher = guardCommands(this.options.redis.duplicate({ disableOfflineQueue: true }));
    const subscriber = guardCommands(this.options.redis.duplicate({ disableOfflineQueue: false }));
    this.redisClients.push(publisher, subscriber);
    this.monitor.watch('Socket.IO publisher', publisher);
    this.monitor.watch('Socket.IO subscriber', subscriber);
    const attempts = [publisher, subscriber].map((client) => {
      const first = firstAttempt(client);
      // Runs until connected (the client retries with its reconnect strategy); rejects only when closed first.
      client.connect().catch(() => undefined);
      return first;
    });
    await Promise.all(attempts);
    this.redisAdapter = createAdapter(publisher, subscriber, { key: this.options.redisKeyPrefix ?? 'socket.io' });
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: this.options.cors ?? options?.cors,
      transports: this.options.transports ?? ['polling', 'websocket'],
      maxHttpBufferSize: this.options.maxHttpBufferSize ?? 256 * 1024,
      connectTimeout: this.options.connectTimeoutMs ?? 10_000,
    });
    if (this.redisAdapter) server.adapter(this.redisAdapter);
    if (!this.options.allowDefaultNamespace) server.of('/').use(refuseDefaultNamespace);
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    this.monitor.closing();
    await Promise.all(this.redisClients.splice(0).map((client) => closeClient(client)));
  }
}

/**
 * Watches a node's Redis clients and logs an outage as it is seen by the node: one warning when the first client
 * loses its connection (or cannot connect at start-up), naming the client and the error, and one line when every
 * client is ready again, with how long it lasted. The clients' own `error` events (one per failed reconnection
 * attempt) are absorbed here. `up` and `onChange` tell the rest of the node (health, metrics).
 */
export class RedisConnectionMonitor {
  private readonly clients = new Map<string, { ready: boolean }>();
  private readonly listeners = new Set<(up: boolean) => void>();
  /** When the current outage started; null while Redis is up (or before any client has reported). */
  private downSince: number | null = null;
  private errorsDuringOutage = 0;
  private stopped = false;
  private readonly probes: NodeJS.Timeout[] = [];

  constructor(private readonly logger: LoggerService = new Logger('Redis')) {}

  /** True when every watched client is connected and ready. */
  get up(): boolean {
    return this.clients.size > 0 && [...this.clients.values()].every((client) => client.ready);
  }

  /** Since when Redis has been unavailable (ms since the epoch), or null. */
  get unavailableSince(): number | null {
    return this.downSince;
  }

  /** Calls `listener(up)` whenever the node loses or regains Redis; returns the unsubscribe function. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts watching a node-redis or ioredis client (before it connects). With `probe`, the monitor also PINGs through
   * it (every `intervalMs`, default 1 s, while the client believes it is connected) and counts no answer within
   * `timeoutMs` (default 1 s) as an outage: a Redis that hangs, or a network that drops packets, keeps the connection
   * open and would otherwise never be noticed, since clients time out only commands they could not send.
   */
  watch(name: string, client: RedisEventSource, probe?: RedisProbe): void {
    const state = { ready: client.isReady === true || client.status === 'ready' };
    this.clients.set(name, state);
    const lost = (reason: string, isError = false) => {
      if (this.stopped) return;
      state.ready = false;
      if (this.downSince !== null) {
        if (isError) this.errorsDuringOutage++;
        return;
      }
      this.downSince = Date.now();
      this.errorsDuringOutage = isError ? 1 : 0;
      this.logger.warn(
        `Redis unavailable (${name}: ${reason}): events for other nodes, shared presence and shared rate limits are paused; ` +
          'this node keeps serving HTTP and its own sockets, and reconnects by itself',
      );
      this.emit(false);
    };
    client.on('error', (error: unknown) => lost(describeRedisError(error), true));
    // node-redis: `reconnecting` after a lost connection; ioredis: `close` then `reconnecting`.
    client.on('reconnecting', () => lost('reconnecting'));
    client.on('close', () => lost('connection closed'));
    const regained = () => {
      state.ready = true;
      if (this.stopped || !this.up || this.downSince === null) return;
      const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
      this.logger.log(`Redis back after ${seconds} s (${this.errorsDuringOutage} connection errors meanwhile): events reach every node again`);
      this.downSince = null;
      this.emit(true);
    };
    client.on('ready', regained);
    if (probe) this.startProbe(client, probe, lost, regained, state);
  }

  /** The node is shutting down: connections closing from now on are not an outage. */
  closing(): void {
    this.stopped = true;
    for (const timer of this.probes.splice(0)) clearInterval(timer);
  }

  private startProbe(client: RedisEventSource, probe: RedisProbe, lost: (reason: string) => void, regained: () => void, state: { ready: boolean }): void {
    const timeoutMs = probe.timeoutMs ?? 1000;
    let probing = false;
    const timer = setInterval(() => {
      if (probing || this.stopped || !(client.isReady === true || client.status === 'ready')) return;
      probing = true;
      let deadline: NodeJS.Timeout | undefined;
      const answer = probe.ping();
      answer.catch(() => undefined);
      Promise.race([answer, new Promise((_, reject) => (deadline = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))])
        .then(
          () => {
            if (!state.ready) regained();
          },
          (error: unknown) => lost(`PING: ${describeRedisError(error)}`),
        )
        .finally(() => {
          clearTimeout(deadline);
          probing = false;
        });
    }, probe.intervalMs ?? 1000);
    timer.unref();
    this.probes.push(timer);
  }

  private emit(up: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(up);
      } catch (error) {
        this.logger.warn(`A Redis state listener failed: ${describeRedisError(error)}`);
      }
    }
  }
}

/** `ClassName: message` of a Redis error (node-redis errors have no message of their own sometimes). */
export function describeRedisError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name && error.name !== 'Error' ? error.name : error.constructor.name;
  return error.message ? `${name}: ${error.message}` : name;
}

/** Resolves on the client's first `ready` or first `error`, whichever comes first. */
function firstAttempt(client: AdapterRedisClient): Promise<void> {
  return new Promise((resolve) => {
    client.on('ready', () => resolve());
    client.on('error', () => resolve());
  });
}

/** Closes a client without waiting on a Redis that does not answer (node-redis' `close` waits for its queue). */
async function closeClient(client: AdapterRedisClient): Promise<void> {
  if (client.isReady === false && client.destroy) {
    client.destroy();
    return;
  }
  const close = (client.close ?? client.quit)?.call(client);
  if (!close) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 1000)));
  const result = await Promise.race([close.catch(() => undefined), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') client.destroy?.();
}

/** The commands @socket.io/redis-adapter sends without handling the returned promise; unsubscribes name their pair. */
const FLOATING_COMMANDS: Record<string, string | null> = {
  publish: null,
  subscribe: null,
  pSubscribe: null,
  unsubscribe: 'subscribe',
  pUnsubscribe: 'pSubscribe',
};

/**
 * @socket.io/redis-adapter never awaits its PUBLISH and SUBSCRIBE commands. A command that fails (the client is
 * offline, or the connection dropped before its reply) would be an unhandled rejection, which ends the process:
 * every send during a Redis outage crashed the server seconds later. Each of these commands gets a handler here, and
 * the promise is returned as it was, so a caller that awaits it still sees the failure. Failures are not logged one
 * by one: the monitor reports the outage once. A SUBSCRIBE that failed is sent again when the client is next ready
 * (node-redis re-sends after a reconnection only the subscriptions Redis had confirmed), unless it was undone since.
 */
function guardCommands(client: AdapterRedisClient): AdapterRedisClient {
  const target = client as unknown as Record<string, unknown>;
  const failedSubscriptions = new Map<string, () => void>();
  client.on('ready', () => {
    const again = [...failedSubscriptions.values()];
    failedSubscriptions.clear();
    for (const subscribe of again) subscribe();
  });
  for (const [command, undoes] of Object.entries(FLOATING_COMMANDS)) {
    const original = target[command];
    if (typeof original !== 'function') continue;
    const guarded = (...args: unknown[]): unknown => {
      const result = (original as (...a: unknown[]) => unknown).apply(client, args);
      if (undoes) failedSubscriptions.delete(`${undoes}:${JSON.stringify(args[0])}`);
      if (!isPromise(result)) return result;
      result.catch(() => {
        if (command.endsWith('ubscribe') && !undoes) failedSubscriptions.set(`${command}:${JSON.stringify(args[0])}`, () => void guarded(...args));
      });
      return result;
    };
    target[command] = guarded;
  }
  return client;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | null)?.then === 'function' && typeof (value as Promise<unknown>).catch === 'function';
}

/**
 * The middleware of the main namespace `/`, which the chat does not use: every connection is refused, and its
 * transport closed once the refusal is written, unless it carries a namespace it has joined (a client multiplexing
 * `/chat` keeps it). Unauthenticated clients cannot park connections on `/`.
 */
function refuseDefaultNamespace(socket: Socket, next: (error?: Error) => void): void {
  next(Object.assign(new Error('Invalid namespace: the chat is served on /chat'), { data: { statusCode: 404 } }));
  // Socket.IO writes the CONNECT_ERROR on the next tick; the engine closes after flushing it. `nsps` (the namespaces
  // this connection has joined) is private in Socket.IO 4's typings.
  setImmediate(() => {
    const joined = (socket.client as unknown as { nsps: Map<string, unknown> }).nsps;
    if (joined.size === 0) socket.conn.close();
  });
}
