import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { ChatIoAdapter } from '@parley/chat';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { mountOpenApi } from './openapi';
import { REDIS_CLIENT, type RedisClient } from './redis/redis.module';

/** Largest JSON body accepted; bigger requests get 413. */
const JSON_BODY_LIMIT = '256kb';

/**
 * Builds the standalone server, configured but not listening: `main.ts` listens, tests use it as it is, so what
 * is tested is what runs.
 */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  // The adapter is passed in rather than left to Nest's dynamic import(), which under Jest would load a second,
  // ESM copy of @nestjs/common whose HttpException the exception filter does not recognise.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(), { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(app.get(Logger));
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
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const sockets = new ChatIoAdapter(app, {
    redis: app.get<RedisClient | null>(REDIS_CLIENT) ?? undefined,
    cors: { origin: config.corsOrigins.includes('*') ? true : config.corsOrigins },
    transports: config.socketTransports,
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
