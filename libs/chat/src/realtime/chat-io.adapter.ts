import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions, Socket } from 'socket.io';

/** The part of a node-redis v4+ client the adapter uses; `createClient()` from `redis` fits. */
export interface AdapterRedisClient {
  duplicate(): AdapterRedisClient;
  connect(): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface ChatIoAdapterOptions {
  /**
   * A Redis client to fan events and subscriptions out to every node (@socket.io/redis-adapter); it is duplicated
   * into a publisher and a subscriber, which reconnect and resubscribe by themselves after Redis restarts.
   * Unset: this process only.
   */
  redis?: AdapterRedisClient;
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
 */
export class ChatIoAdapter extends IoAdapter {
  private readonly redisLogger = new Logger('ChatIoAdapter');
  private redisAdapter?: ReturnType<typeof createAdapter>;
  private readonly redisClients: AdapterRedisClient[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly options: ChatIoAdapterOptions = {},
  ) {
    super(app);
  }

  async connectToRedis(): Promise<void> {
    if (!this.options.redis) return;
    const publisher = catchPublishes(this.options.redis.duplicate());
    const subscriber = this.options.redis.duplicate();
    for (const client of [publisher, subscriber]) {
      client.on('error', (error) => this.redisLogger.warn(`Redis adapter: ${error.message}`));
      this.redisClients.push(client);
    }
    await Promise.all([publisher.connect(), subscriber.connect()]);
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
    await Promise.all(this.redisClients.splice(0).map((client) => (client.close ?? client.quit)?.call(client).catch(() => undefined)));
  }
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

/**
 * @socket.io/redis-adapter never awaits its PUBLISH commands. While Redis is away they wait in the client's offline
 * queue, and one that fails (timed out, or the connection dropped before its reply) would be an unhandled rejection,
 * which ends the process: every send during a Redis outage crashed the server seconds later. The failure is already
 * reported by the client's `error` listener; the event is lost for the other nodes, as it is in any outage.
 */
function catchPublishes(client: AdapterRedisClient): AdapterRedisClient {
  const target = client as AdapterRedisClient & { publish?: (...args: unknown[]) => Promise<unknown> };
  const publish = target.publish?.bind(client);
  if (publish) {
    target.publish = (...args: unknown[]) => {
      const sent = publish(...args);
      sent.catch(() => undefined);
      return sent;
    };
  }
  return client;
}
