import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const REPO = resolve(__dirname, '../..');
const EXPORT = join(REPO, 'dist/src/openapi-export.js');
const run = promisify(execFile);

export type JsonObject = Record<string, unknown>;
export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonObject; style?: string; explode?: boolean }>;
  requestBody?: { content: Record<string, { schema: JsonObject; example?: unknown }> };
  responses: Record<string, { description?: string; headers?: Record<string, JsonObject>; content?: Record<string, { schema?: JsonObject; examples?: Record<string, { value: unknown }> }> }>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers?: Array<{ url: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

/**
 * The OpenAPI document of the built server (`dist`, with the @nestjs/swagger CLI plugin that does not run under
 * Jest), as `npm run openapi:export` prints it: the text and the parsed document.
 */
export async function builtOpenApiDocument(): Promise<{ text: string; document: OpenApiDocument }> {
  if (!existsSync(EXPORT)) throw new Error(`${EXPORT} is missing: run \`npm run build\` first (npm test does)`);
  const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
  const text = (await run(process.execPath, [EXPORT], { cwd: REPO, env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 })).stdout;
  return { text, document: JSON.parse(text) as OpenApiDocument };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every operation of the document with its path and method. */
export function operationsOf(document: OpenApiDocument): Array<{ path: string; method: string; operation: OpenApiOperation }> {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/**
 * Checks responses against the document with Ajv in strict mode (JSON Schema 2020-12, OpenAPI 3.1's dialect): the
 * schema of the operation's response of that status and media type, every `$ref` resolved in the document's
 * components. `validate` returns the problems (empty when the response matches).
 */
export class OpenApiResponseValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: Array<{ method: string; pattern: RegExp; parameters: number; operation: OpenApiOperation }>;

  constructor(document: OpenApiDocument) {
    // OpenAPI's own annotations are keywords of its dialect, not typos: strict mode knows them once declared.
    this.ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true });
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('password', true);
    this.ajv.addSchema(retarget({ $id: 'openapi:components', $defs: document.components.schemas }));
    this.routes = operationsOf(document).map(({ path, method, operation }) => ({
      method,
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      parameters: path.split('{').length - 1,
      operation,
    }));
  }

  /** The operation a request goes to (the most specific path: literal segments win over parameters). */
  operationOf(method: string, pathname: string): OpenApiOperation | undefined {
    const candidates = this.routes.filter((route) => route.method === method.toLowerCase() && route.pattern.test(pathname));
    return candidates.sort((a, b) => a.parameters - b.parameters)[0]?.operation;
  }

  validate(method: string, pathname: string, status: number, contentType: string | null, body: unknown): string[] {
    const operation = this.operationOf(method, pathname);
    if (!operation) return [`${method} ${pathname} is not in the document`];
    const response = operation.responses[String(status)];
    if (!response) return [`${operation.operationId}: status ${status} is not documented`];
    if (!response.content) return body === undefined || body === '' ? [] : [`${operation.operationId} ${status}: a body where none is documented`];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const media = response.content[mediaType];
    if (!media) return [`${operation.operationId} ${status}: media type ${mediaType} is not documented (${Object.keys(response.content).join(', ')})`];
    if (!mediaType.includes('json') || !media.schema) return [];
    const key = `${operation.operationId} ${status} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(retarget(media.schema));
      this.compiled.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${operation.operationId} ${status}: ${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`);
  }
}

/** A schema whose `#/components/schemas/X` references point at the components registered as `openapi:components`. */
function retarget(schema: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"openapi:components#/$defs/')) as JsonObject;
}
