/**
 * Writes the OpenAPI document of the standalone server to a file (stdout without an argument), without
 * listening on a port: the app is created on the in-memory embedded database and closed again.
 * `npm run client:generate` runs the built copy (`node dist/src/openapi-export.js <file>`), so the document has
 * everything the @nestjs/swagger CLI plugin adds at build time.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createApp } from './bootstrap';
import { loadConfig } from './config/app-config';
import { buildOpenApiDocument } from './openapi';

async function main(): Promise<void> {
  const [target] = process.argv.slice(2);
  // A throwaway secret: the document does not depend on it, and no token is ever signed here.
  const app = await createApp(loadConfig({ DATA_DIR: 'memory://', JWT_SECRET: 'openapi-export', LOG_LEVEL: 'silent' }));
  try {
    await app.init();
    const json = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
    if (target) writeFileSync(target, json);
    else process.stdout.write(json);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
