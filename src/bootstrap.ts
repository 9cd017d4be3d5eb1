import type { Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger as NestLogger, type INestApplication, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { ChatError, ChatIoAdapter, ChatValidationPipe, jsonShapeProblem, type RedisConnectionMonitor } from '@parley/chat';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { mountOpenApi } from './openapi';
import { redisKeyPrefixes } from './redis/redis-keys';
import { REDIS_CLIENT, REDIS_MONITOR, type RedisClient } from './redis/redis.module';

/** Largest JSON body accepted; bigger requests get 413. */
const JSON_BODY_LIMIT = '256kb';

/**
 * Right after the JSON parser: a body nested deeper than 32 levels, or with a `__proto__`, `constructor` or
 * `prototype` key anywhere, is 400 `INVALID_INPUT` before any route, pipe or class-transformer (which recurses)
 * sees it; and the parser's own refusals carry the chat's codes like every other error.
 */
function refuseUnsafeJson(request: Request, _response: Response, next: NextFunction): void {
  const problem = jsonShapeProblem(request.body);
  next(problem ? new ChatError('INVALID_INPUT', problem) : undefined);
}

function codeParserErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return next(new ChatError('INVALID_INPUT', `The body is not valid JSON: ${(error as Error).message}`));
  if (type === 'entity.too.large') return next(new ChatError('PAYLOAD_TOO_LARGE', `The JSON body is larger than ${JSON_BODY_LIMIT.replace('kb', ' KiB')}`));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return next(new ChatError('UNSUPPORTED_MEDIA_TYPE', (error as Error).message));
  next(error);
}

/**
 * The HTTP side of a graceful shutdown. Nest's `forceCloseConnections` destroys every connection at once, in-flight
 * requests included; without it `server.close()` waits for keep-alive connections, which a busy client reuses for
 * ever (Node 20 closes only those idle at that instant). Here, when the application starts closing (`beforeClose`,
 * before any shutdown hook of the modules):
 * - the server stops accepting connections, and closes the idle keep-alive ones;
 * - requests keep being served on the connections already open (in-flight ones finish; new sends are refused 503
 *   `SHUTTING_DOWN` by the writer once the socket events in flight are done), each response from then on says
 *   `Connection: close`, and a connection is closed as soon as it falls idle;
 * - `shutdownTimeoutMs` after the start, whatever is still open (a stuck request, a websocket whose peer does not
 *   answer the close) is destroyed.
 * `close()` (after the modules' `beforeApplicationShutdown` hooks) resolves once every connection is gone.
 */
class GracefulExpressAdapter extends ExpressAdapter {
  private readonly shutdownLogger = new NestLogger('Shutdown');
  private readonly connections = new Set<Socket>();
  private closingSince = 0;
  private deadline?: NodeJS.Timeout;
  private idleCheck?: NodeJS.Immediate;

  constructor(private readonly shutdownTimeoutMs: number) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    const server = this.getHttpServer() as HttpServer;
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    server.prependListener('request', (_request, response: ServerResponse) => {
      if (this.closingSince) response.setHeader('Connection', 'close');
      response.once('finish', this.closeIdleSoon);
    });
  }

  override beforeClose(): void {
    super.beforeClose();
    if (this.closingSince) return;
    this.closingSince = Date.now();
    const server = this.getHttpServer() as HttpServer;
    // Stops listening; Node 20 also closes the keep-alive connections that are idle now.
    server.close();
    this.shutdownLogger.log(`Shutdown: HTTP server stopped accepting connections; ${this.connections.size} connection(s) open, idle keep-alive ones closed`);
    this.deadline = setTimeout(() => {
      this.shutdownLogger.warn(`Shutdown: ${this.shutdownTimeoutMs} ms (SHUTDOWN_TIMEOUT_MS) passed; cutting ${this.connections.size} connection(s) still open`);
      for (const socket of this.connections) socket.destroy();
    }, this.shutdownTimeoutMs);
    this.deadline.unref();
  }

  override async close(): Promise<void> {
    await super.close();
    clearTimeout(this.deadline);
    if (this.closingSince) this.shutdownLogger.log(`Shutdown: HTTP connections closed (${Date.now() - this.closingSince} ms after the start)`);
  }

  /** During the shutdown, a connection whose response is written and that carries no other request is closed. */
  private readonly closeIdleSoon = (): void => {
    if (!this.closingSince || this.idleCheck) return;
    this.idleCheck = setImmediate(() => {
      this.idleCheck = undefined;
      (this.getHttpServer() as HttpServer).closeIdleConnections();
    });
  };
}

/**
 * Builds the standalone server, configured but not listening: `main.ts` listens, tests use it as it is, so what
 * is tested is what runs.
 */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  // The adapter is passed in rather than left to Nest's dynamic import(), which under Jest would load a second,
  // ESM copy of @nestjs/common whose HttpException the exception filter does not recognise.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new GracefulExpressAdapter(config.shutdownTimeoutMs), { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(app.get(Logger));
  // TRUST_PROXY: which proxies' X-Forwarded-For is believed, so `request.ip` (the log-in limit's key, the logs) is the
  // client's own address and not the proxy's. Express's setting, as Express takes it.
  app.set('trust proxy', config.trustProxy);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(
    helmet({
      // Swagger UI and the demo page load their own scripts and styles from this origin; the demo shows images
      // through blob: URLs and opens its socket to this origin (connect-src falls back to 'self', which covers ws:
      // and wss: of the same host). No upgrade-insecure-requests: the server speaks plain HTTP itself, and the
      // directive would send the page's own requests to https:// whenever it is opened by a name other than
      // localhost (behind a TLS proxy every URL is already https).
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:', 'blob:'], 'upgrade-insecure-requests': null },
      },
    }),
  );
  app.enableCors({
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    credentials: false,
  });
  app.use(codeParserErrors, refuseUnsafeJson);
  // The chat's own rules for every route (the accounts' too): unknown fields refused, 400 `INVALID_INPUT`.
  app.useGlobalPipes(new ChatValidationPipe());
  const sockets = new ChatIoAdapter(app, {
    redis: app.get<RedisClient | null>(REDIS_CLIENT) ?? undefined,
    redisMonitor: app.get<RedisConnectionMonitor>(REDIS_MONITOR),
    cors: { origin: config.corsOrigins.includes('*') ? true : config.corsOrigins },
    transports: config.socketTransports,
    redisKeyPrefix: redisKeyPrefixes(config.redisPrefix).socketIo,
  });
  // Waits for the first connection attempt only: without Redis the node starts, serves, and connects later.
  await sockets.connectToRedis();
  app.useWebSocketAdapter(sockets);
  // No `enableShutdownHooks()`: `main.ts` turns SIGTERM and SIGINT into `app.close()` with a bounded time.
  mountOpenApi(app);
  if (config.usingDevelopmentSecret) {
    app.get(Logger).warn('JWT_SECRET is not set: tokens are signed with a development secret that everybody knows. Set JWT_SECRET before exposing this server.');
  }
  return app;
}
