import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { completeOpenApiDocument } from '@parley/chat';

/** The tags of the document, in the order clients list them. */
const TAGS: Array<[name: string, description: string]> = [
  ['rooms', 'Direct and group rooms, joining, leaving, muting, and the changes feed for resynchronising'],
  ['members', 'Members of a room and their roles'],
  ['messages', 'Messages, threads, reactions, pins, read and delivery state'],
  ['images', 'Image uploads attached to messages and used as room pictures'],
  ['presence', 'Who is online'],
  ['blocks', 'Users the caller blocked: they cannot reach them'],
  ['notifications', 'Push targets (devices) and what the server can push; notification levels are on the rooms'],
  ['moderation', 'Room bans and message reports, for the owner and admins of group rooms (silence, slow mode and frozen are on members and rooms)'],
  ['admin', 'Server administration (administrators only; anybody else gets 404): every room, deletions, server-wide bans, user export and erasure, the audit log'],
  ['auth', 'Local accounts of the standalone server (not part of the library)'],
  ['health', 'Liveness of the server and what it depends on'],
];

/**
 * The request bodies the local accounts' operations show (the chat's own are in the library): they work when sent
 * as they are, in this order (the log-in uses the account the registration made).
 */
/**
 * The refresh token of the `refreshToken` and `logout` examples: the shape of a real one (43 base64url characters);
 * a user replaces it with the `refreshToken` of their last auth answer, and so does the examples test.
 */
export const EXAMPLE_REFRESH_TOKEN = 'S2xq3Q0m2l7b3m5m6JfQ9h0yC8v1t4WkS7n6d5e4f3g';

const AUTH_REQUEST_EXAMPLES = {
  register: { username: 'ann', password: 'correct horse battery' },
  createToken: { username: 'ann', password: 'correct horse battery' },
  refreshToken: { refreshToken: EXAMPLE_REFRESH_TOKEN },
  logout: { refreshToken: EXAMPLE_REFRESH_TOKEN },
  createGuestToken: { name: 'Visitor' },
};

/** The version of the package this server is built from (package.json, found from here or from dist/src). */
function packageVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/**
 * The OpenAPI 3.1 document clients are generated from: bearer security (public routes say `security: []`), tags, stable
 * operationIds, and the server as `/` (relative: the document is served by the server it describes).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Parley chat API')
    .setDescription(
      'Rooms, members, messages, images and presence. Realtime events are on the Socket.IO namespace /chat ' +
        '(see docs/socket-events.md). Errors have the body `ErrorResponse`.',
    )
    .setVersion(packageVersion())
    .addServer('/', 'The server that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return completeOpenApiDocument(
    SwaggerModule.createDocument(app, builder.build(), {
      // Method names are only a fallback: every route names its operationId explicitly.
      operationIdFactory: (_controllerKey, methodKey) => methodKey,
    }),
    { requestExamples: AUTH_REQUEST_EXAMPLES },
  );
}

/** Serves the document at /api/docs-json and Swagger UI at /api/docs. */
export function mountOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
}
