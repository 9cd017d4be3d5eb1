import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHAT_ERROR_STATUS } from '../libs/chat/src/common/chat-error';
import { OpenApiResponseValidator, REPO, builtOpenApiDocument, operationsOf as operationsOfDocument, type JsonObject, type OpenApiDocument as Document } from './support/openapi-document';

const CLIENT = join(REPO, 'clients/typescript');
const run = promisify(execFile);
type Schema = JsonObject & { $ref?: string; anyOf?: Schema[]; properties?: Record<string, Schema>; required?: string[]; enum?: unknown[] };

/** Every operationId the API promises (API.md): generated clients name their methods after them. */
const OPERATION_IDS = [
  'listRooms', 'createRoom', 'getRoom', 'updateRoom', 'replaceRoom', 'deleteRoom', 'joinRoom', 'leaveRoom', 'muteRoom', 'unmuteRoom',
  'getRoomChanges', 'listMembers', 'getMember', 'addMember', 'updateMember', 'removeMember', 'listMessages', 'createMessage',
  'getMessage', 'updateMessage', 'replaceMessage', 'deleteMessage', 'getMessageHistory', 'addReaction', 'removeReaction',
  'markRoomRead', 'markRoomDelivered', 'markMessagesSeen', 'getMessageReceipts', 'pinMessage', 'unpinMessage', 'listPins',
  'uploadImage', 'listImages', 'getImage', 'deleteImage', 'getImageFile', 'getImageThumbnail', 'getPresence',
  'registerDevice', 'listDevices', 'deleteDevice', 'getNotificationConfig', 'setRoomNotifications',
  'listAdminRooms', 'getAdminRoom', 'deleteAdminRoom', 'deleteAdminMessage', 'banUserServerWide', 'unbanUserServerWide', 'exportUser', 'eraseUser', 'listAuditLog',
  'register', 'createToken', 'health',
];

const operations = operationsOfDocument;
const isChatRoute = (path: string) => path.startsWith('/api/v1/chat/');
const refName = (schema: Schema | JsonObject | undefined) => (schema?.$ref as string | undefined)?.replace('#/components/schemas/', '');
const schemaOf = (document: Document, name: string) => document.components.schemas[name] as Schema;

/** Every object below `node`, with its JSON pointer-like path. */
function* walk(node: unknown, path = ''): Generator<[string, JsonObject]> {
  if (Array.isArray(node)) for (const [index, child] of node.entries()) yield* walk(child, `${path}/${index}`);
  else if (node !== null && typeof node === 'object') {
    yield [path, node as JsonObject];
    for (const [key, child] of Object.entries(node)) yield* walk(child, `${path}/${key}`);
  }
}

/**
 * The document of the built server (`dist`, with the @nestjs/swagger CLI plugin), as `npm run client:generate`
 * writes it: complete enough that the generated client needs no hand-written types.
 */
describe('the OpenAPI document of the built server', () => {
  let document: Document;
  let text: string;

  beforeAll(async () => {
    ({ text, document } = await builtOpenApiDocument());
  }, 60_000);

  it('is OpenAPI 3.1 with a version, servers, tags with descriptions and the bearer scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.info.version).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    const declared = new Set(document.tags.map((tag) => tag.name));
    for (const tag of document.tags) expect(tag.description).toBeTruthy();
    for (const { operation } of operations(document)) {
      expect(operation.tags?.length).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(declared).toContain(tag);
    }
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('names every operation with a stable, unique operationId', () => {
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(OPERATION_IDS));
  });

  it('gives every operation a success response with its schema', () => {
    for (const { path, method, operation } of operations(document)) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect({ path, method, success: success.length > 0 }).toEqual({ path, method, success: true });
      for (const [status, response] of success) {
        if (status === '204') {
          expect(response.content).toBeUndefined();
          continue;
        }
        const schemas = Object.values(response.content ?? {}).map((media) => media.schema);
        expect({ path, method, status, schemas: schemas.length > 0 && schemas.every(Boolean) }).toEqual({ path, method, status, schemas: true });
      }
    }
  });

  it('gives every operation a summary and a description', () => {
    const missing = operations(document)
      .filter(({ operation }) => !operation.summary || !operation.description)
      .map(({ operation }) => operation.operationId);
    expect(missing).toEqual([]);
  });

  it('says which routes are public (`security: []`) and puts every chat route behind the bearer token', () => {
    for (const { path, method, operation } of operations(document)) {
      expect({ path, method, security: operation.security }).toEqual({ path, method, security: isChatRoute(path) ? [{ bearer: [] }] : expect.any(Array) });
    }
    const publicIds = operations(document)
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ operation }) => operation.operationId);
    expect(publicIds).toEqual(expect.arrayContaining(['register', 'createToken', 'createGuestToken', 'health', 'healthLive', 'healthReady']));
  });

  it('documents every error with the ErrorResponse body and an example of each code, which has that status', () => {
    for (const { path, method, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => /^[45]\d\d$/.test(status))) {
        if (operation.operationId.startsWith('health')) continue; // terminus's own body (`{ status, info, error, details }`)
        const media = response.content?.['application/json'];
        const where = { path, method, status };
        expect({ ...where, body: refName(media?.schema) }).toEqual({ ...where, body: 'ErrorResponse' });
        const examples = Object.values(media?.examples ?? {}).map((example) => example.value as { statusCode: number; code: keyof typeof CHAT_ERROR_STATUS; message: unknown; error: string });
        expect({ ...where, examples: examples.length > 0 }).toEqual({ ...where, examples: true });
        for (const example of examples) {
          expect({ ...where, example }).toEqual({ ...where, example: expect.objectContaining({ statusCode: Number(status), message: expect.anything(), error: expect.any(String), code: expect.any(String) }) });
          expect({ ...where, code: example.code, status: CHAT_ERROR_STATUS[example.code] }).toEqual({ ...where, code: example.code, status: Number(status) });
        }
        if (status === '429' || status === '503') expect({ ...where, retryAfter: response.headers?.['Retry-After'] }).toEqual({ ...where, retryAfter: expect.objectContaining({ schema: expect.any(Object) }) });
      }
    }
  });

  it('documents the errors every route of its kind can answer', () => {
    for (const { path, method, operation } of operations(document)) {
      const statuses = Object.keys(operation.responses);
      const expected = [
        ...(isChatRoute(path) ? ['401', '403', '503'] : []),
        ...(operation.parameters?.some((parameter) => parameter.in === 'path') ? ['400'] : []),
        ...(operation.requestBody?.content['application/json'] ? ['400', '413'] : []),
      ];
      expect({ path, method, statuses }).toEqual({ path, method, statuses: expect.arrayContaining(expected) });
      const forbidden = Object.keys(operation.responses['403']?.content?.['application/json']?.examples ?? {});
      if (isChatRoute(path)) expect({ path, method, forbidden }).toEqual({ path, method, forbidden: expect.arrayContaining(['USER_BANNED']) });
    }
    const byId = Object.fromEntries(operations(document).map(({ operation }) => [operation.operationId, Object.keys(operation.responses)]));
    expect(byId.createRoom).toEqual(expect.arrayContaining(['200', '201', '400', '401', '429']));
    expect(byId.createMessage).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '404', '409', '429', '503']));
    expect(byId.joinRoom).toEqual(expect.arrayContaining(['403', '404', '409', '429']));
    expect(byId.uploadImage).toEqual(expect.arrayContaining(['400', '413', '415', '429']));
    expect(byId.createToken).toEqual(expect.arrayContaining(['400', '401', '429']));
    // Not the same example everywhere: a 404 names what is missing.
    const notFound = (id: string) => Object.keys(operations(document).find(({ operation }) => operation.operationId === id)?.operation.responses['404']?.content?.['application/json']?.examples ?? {});
    expect(notFound('getMessage')).toEqual(expect.arrayContaining(['ROOM_NOT_FOUND', 'MESSAGE_NOT_FOUND']));
    expect(notFound('getImage')).toEqual(['IMAGE_NOT_FOUND']);
    expect(schemaOf(document, 'ErrorResponse')).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'message', 'error', 'code']),
      properties: { statusCode: { type: 'integer' }, message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
    });
  });

  it('describes enums, nullable fields and pages', () => {
    const schemas = document.components.schemas as Record<string, Schema>;
    expect(schemas.RoomType?.enum).toEqual(['direct', 'group']);
    expect(schemas.MemberRole?.enum).toEqual(['owner', 'admin', 'member']);
    expect(schemas.ChatErrorCode?.enum).toEqual(expect.arrayContaining(['ROOM_NOT_FOUND', 'FORBIDDEN', 'RATE_LIMITED']));
    // OpenAPI 3.1: a nullable reference is `anyOf` with null, a nullable scalar a type list; 3.0's `nullable` is gone.
    expect(schemas.RoomResponse.properties?.lastMessage).toMatchObject({ anyOf: [{ $ref: '#/components/schemas/MessageResponse' }, { type: 'null' }] });
    expect(schemas.RoomResponse.properties?.me).toMatchObject({ anyOf: [{ $ref: '#/components/schemas/RoomMeResponse' }, { type: 'null' }] });
    expect(schemas.MessageResponse.properties?.editedAt).toMatchObject({ type: ['string', 'null'] });
    expect(schemas.MemberResponse.properties?.name).toMatchObject({ type: ['string', 'null'] });
    for (const page of ['RoomPageResponse', 'MessagePageResponse', 'MemberPageResponse', 'ImagePageResponse', 'MessageEditPageResponse']) {
      expect(schemas[page]).toMatchObject({ required: ['items', 'nextCursor'], properties: { nextCursor: { type: ['string', 'null'] } } });
    }
    expect([...walk(document)].filter(([, node]) => 'nullable' in node).map(([path]) => path)).toEqual([]);
    const listRooms = document.paths['/api/v1/chat/rooms'].get;
    expect(refName(listRooms.responses['200'].content?.['application/json'].schema)).toBe('RoomPageResponse');
    expect(listRooms.parameters?.find((parameter) => parameter.name === 'scope')?.schema?.enum).toEqual(['mine', 'public']);
  });

  it('bounds every integer, and keeps request schemas strict and free of defaults', () => {
    expect([...walk(document)].filter(([, node]) => node.type === 'integer' && node.maximum === undefined).map(([path]) => path)).toEqual([]);
    const requestSchemas = new Set(
      operations(document)
        .map(({ operation }) => refName(operation.requestBody?.content['application/json']?.schema))
        .filter((name): name is string => !!name),
    );
    expect(requestSchemas.size).toBeGreaterThan(10);
    for (const name of requestSchemas) {
      const schema = schemaOf(document, name);
      // The validation pipe refuses unknown fields; a `default` would make openapi-typescript require the field.
      expect({ name, additionalProperties: schema.additionalProperties }).toEqual({ name, additionalProperties: false });
      expect({ name, defaults: [...walk(schema)].filter(([, node]) => 'default' in node).map(([path]) => path) }).toEqual({ name, defaults: [] });
    }
  });

  it('models presence userIds as the comma-separated list the server parses', () => {
    const userIds = operations(document).find(({ operation }) => operation.operationId === 'getPresence')?.operation.parameters?.find((parameter) => parameter.name === 'userIds');
    expect(userIds).toMatchObject({ in: 'query', required: true, style: 'form', explode: false, schema: { type: 'array', maxItems: 100, items: { type: 'string' } } });
  });

  it('types image downloads as binary, with their caching headers', () => {
    for (const id of ['getImageFile', 'getImageThumbnail']) {
      const ok = operations(document).find(({ operation }) => operation.operationId === id)?.operation.responses['200'];
      const contents = Object.entries(ok?.content ?? {});
      expect(contents.length).toBeGreaterThan(0);
      for (const [mediaType, media] of contents) {
        expect(mediaType).toMatch(/^image\//);
        expect(media.schema).toEqual({ type: 'string', format: 'binary', contentMediaType: mediaType });
      }
      expect(Object.keys(ok?.headers ?? {})).toEqual(expect.arrayContaining(['ETag', 'Cache-Control', 'Content-Disposition']));
    }
  });

  it('validates responses with it strictly: a null lastMessage is a room, a number is not', () => {
    const validator = new OpenApiResponseValidator(document);
    const room = {
      id: '6f1c2a52-8f4e-4d0a-9c43-2b0d8f1e7a11', type: 'group', title: 'T', description: '', imageId: null, isPublic: false, creatorId: 'u1',
      createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', lastMessageAt: null, lastMessage: null, lastSeq: 0, version: 1,
      memberCount: 1, allowGuests: false, slowModeSeconds: 0, frozen: false, me: null,
    };
    const path = '/api/v1/chat/rooms/6f1c2a52-8f4e-4d0a-9c43-2b0d8f1e7a11';
    expect(validator.validate('GET', path, 200, 'application/json', room)).toEqual([]);
    expect(validator.validate('GET', path, 200, 'application/json', { ...room, lastMessage: 5 })).not.toEqual([]);
    expect(validator.validate('GET', path, 418, 'application/json', room)).not.toEqual([]);
  });

  it('resolves every $ref', () => {
    const refs = [...text.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !(name in document.components.schemas))).toEqual([]);
  });

  it('is the document committed in clients/typescript (run `npm run client:generate` after changing the API)', async () => {
    expect(readFileSync(join(CLIENT, 'openapi.json'), 'utf8')).toBe(text);
    const work = mkdtempSync(join(tmpdir(), 'parley-openapi-'));
    try {
      const generated = join(work, 'schema.ts');
      const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
      // openapi-typescript's default options, as the README's example uses them.
      await run(process.execPath, [join(REPO, 'node_modules/openapi-typescript/bin/cli.js'), join(CLIENT, 'openapi.json'), '--output', generated], {
        cwd: REPO,
        env,
        timeout: 60_000,
      });
      expect(readFileSync(join(CLIENT, 'schema.ts'), 'utf8')).toBe(readFileSync(generated, 'utf8'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
