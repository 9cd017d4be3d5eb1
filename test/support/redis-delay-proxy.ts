import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A connection through the proxy: the client's socket, Redis's socket, and what is held back for the client. */
interface Link {
  client: Socket;
  upstream: Socket;
  /** The client sent (P)SUBSCRIBE: this is a subscriber connection, whose deliveries `hold()` delays. */
  subscriber: boolean;
  held: Buffer[];
}

/** `SUBSCRIBE` or `PSUBSCRIBE` as a RESP bulk string (node-redis sends command names in capitals). */
const SUBSCRIBE_COMMAND = /\r\nP?SUBSCRIBE\r\n/i;

/**
 * A TCP proxy in front of a Redis server that can delay what Redis delivers to subscriber connections, as a slow
 * network or a busy subscriber would: `hold()` buffers every byte from Redis to the connections that subscribed
 * (in order), `release()` delivers them. Commands and their replies on other connections (publishing, presence)
 * pass straight through, so with the Socket.IO Redis adapter everything published while held reaches the nodes
 * only at `release()`, while each node keeps serving requests.
 */
export class RedisDelayProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private holding = false;
  private port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.connect(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** From now on, deliveries to subscriber connections wait for `release()`. */
  hold(): void {
    this.holding = true;
  }

  /** Delivers what was held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const link of this.links) {
      for (const chunk of link.held.splice(0)) link.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    this.release();
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private connect(client: Socket): void {
    const upstream = createConnection(this.target);
    const link: Link = { client, upstream, subscriber: false, held: [] };
    this.links.add(link);
    const close = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (!link.subscriber && SUBSCRIBE_COMMAND.test(chunk.toString('latin1'))) link.subscriber = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.subscriber && (this.holding || link.held.length > 0)) link.held.push(chunk);
      else client.write(chunk);
    });
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }
}
