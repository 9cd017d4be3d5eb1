import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { ChatError, ChatIoAdapter, ChatValidationPipe, jsonShapeProblem } from '@parley/chat';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { mountOpenApi } from './openapi';
import { redisKeyPrefixes } from './redis/redis-keys';
import { REDIS_CLIENT, type RedisClient } from './redis/redis.module';

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
 * Builds the standalone server, configured but not listening: `main.ts` listens, tests use it as it is, so what
 * is tested is what runs.
 */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  // The adapter is passed in rather than left to Nest's dynamic import(), which under Jest would load a second,
  // ESM copy of @nestjs/common whose HttpException the exception filter does not recognise.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(), { bufferLogs: true, bodyParser: false, abortOnError: false });
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
    cors: { origin: config.corsOrigins.includes('*') ? true : config.corsOrigins },
    transports: config.socketTransports,
    redisKeyPrefix: redisKeyPrefixes(config.redisPrefix).socketIo,
  });
  await sockets.connectToRedis();
  app.useWebSocketAdapter(sockets);
  app.enableShutdownHooks();
  mountOpenApi(app);
  if (config.usingDevelopmentSecret) {
    app.get(Logger).warn('JWT_SECRET is not set: tokens are signed with a development secret that everybody knows. Set JWT_SECRET before exposing this server.');
  }
  return app;
}
