import type { OpenAPIObject } from '@nestjs/swagger';
import { errorResponses } from './api-error-responses';
import type { ChatErrorCode } from './chat-error';
import { CHAT_REQUEST_EXAMPLES } from './openapi-request-examples';
import { MAX_INT32 } from './pagination';

type Json = Record<string, unknown>;
type Operation = { parameters?: Json[]; requestBody?: { content?: Record<string, unknown> }; responses: Record<string, Json>; security?: unknown[] };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The chat's OpenAPI document as clients and tools need it, from the one `SwaggerModule.createDocument` builds
 * (the standalone server's and a host's alike: call it on yours). @nestjs/swagger writes OpenAPI 3.0, whose
 * `nullable` next to a `$ref` means nothing (so validators such as Prism reject every room whose `lastMessage` is
 * null) and which strict JSON Schema validators refuse; its decorators cannot say what 3.1 says. Here, in one place:
 * - `openapi: 3.1.0`; `nullable` becomes `anyOf: [{ $ref }, { type: 'null' }]` for references and objects and
 *   `type: [t, 'null']` for scalars (with `null` in a nullable enum);
 * - an integer without a maximum gets PostgreSQL's `integer` range, what the chat stores them in;
 * - binary bodies (images) say their `contentMediaType`, so generators hand out a Blob, not parsed JSON;
 * - an operation without `security`, in a document without a global one, is public: `security: []` says so;
 * - the errors the transport answers before any route runs: 400 for a path that cannot be decoded, 400 and 413 for
 *   a JSON body that is malformed or too large;
 * - request body schemas say `additionalProperties: false`: the chat's validation refuses unknown fields (400);
 * - each JSON request body has the example of its operation (`CHAT_REQUEST_EXAMPLES`, and the host's own
 *   `requestExamples`), one that works when sent as it is.
 * The input is not changed; it returns a new document.
 */
export function completeOpenApiDocument(input: OpenAPIObject, options: { requestExamples?: Readonly<Record<string, unknown>> } = {}): OpenAPIObject {
  const document = structuredClone(input) as OpenAPIObject & Json;
  const examples = { ...CHAT_REQUEST_EXAMPLES, ...options.requestExamples };
  document.openapi = '3.1.0';
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  toJsonSchema2020(document.components);
  for (const methods of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (methods as Json)[method] as Operation | undefined;
      if (!operation) continue;
      toJsonSchema2020(operation);
      describeBinaryContent(operation);
      if (!operation.security && !document.security) operation.security = [];
      addTransportErrors(operation);
      const json = operation.requestBody?.content?.['application/json'];
      if (isObject(json)) {
        refuseUnknownFields(json.schema, schemas, new Set());
        const example = examples[(operation as Json).operationId as string];
        if (example !== undefined) json.example = example;
      }
    }
  }
  return document;
}

/** Rewrites the 3.0-only schema keywords of every schema below `node` (in place). */
function toJsonSchema2020(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(toJsonSchema2020);
  if (!isObject(node)) return;
  for (const child of Object.values(node)) toJsonSchema2020(child);
  if (node.type === 'integer' && node.maximum === undefined && node.exclusiveMaximum === undefined) node.maximum = MAX_INT32;
  if (node.nullable === undefined) return;
  const nullable = node.nullable === true;
  delete node.nullable;
  if (!nullable) return;
  const single = Array.isArray(node.allOf) && node.allOf.length === 1 ? (node.allOf[0] as Json) : undefined;
  if (typeof node.$ref === 'string' || single) {
    // `{ nullable, type: 'object', allOf: [{ $ref }] }` (what @nestjs/swagger writes for `X | null`) or a bare `$ref`.
    const reference = single ?? { $ref: node.$ref };
    delete node.$ref;
    delete node.allOf;
    delete node.type;
    node.anyOf = [reference, { type: 'null' }];
  } else if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  } else if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) {
    const key = Array.isArray(node.oneOf) ? 'oneOf' : 'anyOf';
    node[key] = [...(node[key] as unknown[]), { type: 'null' }];
  }
}

/** `additionalProperties: false` on an object schema of a request body and on the objects it holds (in place). */
function refuseUnknownFields(schema: unknown, schemas: Record<string, Json>, seen: Set<string>): void {
  if (!isObject(schema)) return;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return;
    seen.add(name);
    return refuseUnknownFields(schemas[name], schemas, seen);
  }
  if (schema.type === 'object' && isObject(schema.properties) && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const child of [...Object.values(isObject(schema.properties) ? schema.properties : {}), schema.items, ...['allOf', 'anyOf', 'oneOf'].flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]) : []))]) {
    refuseUnknownFields(child, schemas, seen);
  }
}

/** `format: binary` string bodies of a non-JSON media type name that type (JSON Schema's `contentMediaType`). */
function describeBinaryContent(operation: Operation): void {
  const contents = [operation.requestBody?.content, ...Object.values(operation.responses).map((response) => response.content)];
  for (const content of contents) {
    if (!isObject(content)) continue;
    for (const [mediaType, media] of Object.entries(content)) {
      const schema = isObject(media) ? media.schema : undefined;
      // Copies: one media object may stand for several media types (structuredClone keeps shared references).
      if (isObject(media) && isObject(schema) && schema.type === 'string' && schema.format === 'binary' && !mediaType.includes('json')) {
        content[mediaType] = { ...media, schema: { ...schema, contentMediaType: mediaType } };
      }
    }
  }
}

/** The errors of the HTTP layer itself, merged into the route's own responses of the same status. */
function addTransportErrors(operation: Operation): void {
  const cases: Array<{ code: ChatErrorCode; message: string; name: string }> = [];
  if (operation.parameters?.some((parameter) => parameter.in === 'path')) {
    cases.push({ code: 'INVALID_INPUT', message: "Failed to decode param '%E0%A4%A'", name: 'UNDECODABLE_PATH' });
  }
  if (isObject(operation.requestBody?.content?.['application/json'])) {
    cases.push({ code: 'INVALID_INPUT', message: "The body is not valid JSON: Expected property name or '}' in JSON at position 1", name: 'MALFORMED_JSON' });
    cases.push({ code: 'PAYLOAD_TOO_LARGE', message: 'The JSON body is larger than 256 KiB', name: 'JSON_TOO_LARGE' });
  }
  for (const [status, { description, examples, headers }] of errorResponses(cases)) {
    const existing = operation.responses[status];
    const media = (existing?.content as Record<string, Json> | undefined)?.['application/json'];
    if (existing && media) {
      media.examples = { ...(media.examples as Json | undefined), ...examples };
      existing.description = [existing.description, description].filter(Boolean).join('\n\n');
    } else {
      operation.responses[status] = { description, ...(headers && { headers }), content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' }, examples } } };
    }
  }
}
