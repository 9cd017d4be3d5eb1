import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';

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
    const publisher = this.options.redis.duplicate();
    const subscriber = this.options.redis.duplicate();
    for (const client of [publisher, subscriber]) {
      client.on('error', (error) => this.redisLogger.warn(`Redis adapter: ${error.message}`));
      this.redisClients.push(client);
    }
    await Promise.all([publisher.connect(), subscriber.connect()]);
    this.redisAdapter = createAdapter(publisher, subscriber);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: this.options.cors ?? options?.cors,
      transports: this.options.transports ?? ['polling', 'websocket'],
      maxHttpBufferSize: this.options.maxHttpBufferSize ?? 256 * 1024,
    });
    if (this.redisAdapter) server.adapter(this.redisAdapter);
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.all(this.redisClients.splice(0).map((client) => (client.close ?? client.quit)?.call(client).catch(() => undefined)));
  }
}
