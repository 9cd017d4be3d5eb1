import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const REPO = resolve(__dirname, '..');
const EXPORT = join(REPO, 'dist/src/openapi-export.js');
const CLIENT = join(REPO, 'clients/typescript');
const run = promisify(execFile);

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  operationId: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

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

const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
const isChatRoute = (path: string) => path.startsWith('/api/v1/chat/');
const refName = (schema: Schema | undefined) => schema?.$ref?.replace('#/components/schemas/', '');

/**
 * The document of the built server (`dist`, with the @nestjs/swagger CLI plugin), as `npm run client:generate`
 * writes it: complete enough that the generated client needs no hand-written types.
 */
describe('the OpenAPI document of the built server', () => {
  let document: Document;
  let text: string;

  beforeAll(async () => {
    if (!existsSync(EXPORT)) throw new Error(`${EXPORT} is missing: run \`npm run build\` first (npm test does)`);
    const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
    text = (await run(process.execPath, [EXPORT], { cwd: REPO, env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 })).stdout;
    document = JSON.parse(text) as Document;
  }, 60_000);

  it('has a version, tags with descriptions and the bearer scheme', () => {
    expect(document.openapi).toMatch(/^3\./);
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

  it('documents the error responses of every chat route with the ErrorResponse body, and bearer security', () => {
    for (const { path, method, operation } of operations(document).filter(({ path }) => isChatRoute(path))) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^4\d\d$/.test(status));
      expect({ path, method, has401: errors.some(([status]) => status === '401') }).toEqual({ path, method, has401: true });
      for (const [status, response] of errors) {
        expect({ path, method, status, body: refName(response.content?.['application/json']?.schema) }).toEqual({ path, method, status, body: 'ErrorResponse' });
      }
      expect(operation.security).toEqual([{ bearer: [] }]);
    }
    const byId = Object.fromEntries(operations(document).map(({ operation }) => [operation.operationId, Object.keys(operation.responses)]));
    expect(byId.createRoom).toEqual(expect.arrayContaining(['200', '201', '400', '401']));
    expect(byId.createMessage).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '404', '409', '429']));
    expect(byId.joinRoom).toEqual(expect.arrayContaining(['403', '404', '409']));
    expect(byId.uploadImage).toEqual(expect.arrayContaining(['400', '413', '415']));
    expect(document.components.schemas.ErrorResponse).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'message', 'error']),
      properties: { statusCode: { type: 'integer' }, message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
    });
  });

  it('describes enums, nullable fields and pages', () => {
    const { schemas } = document.components;
    expect(schemas.RoomType?.enum).toEqual(['direct', 'group']);
    expect(schemas.MemberRole?.enum).toEqual(['owner', 'admin', 'member']);
    expect(schemas.ChatErrorCode?.enum).toEqual(expect.arrayContaining(['ROOM_NOT_FOUND', 'FORBIDDEN', 'RATE_LIMITED']));
    expect(schemas.RoomResponse.properties?.lastMessage).toMatchObject({ nullable: true, allOf: [{ $ref: '#/components/schemas/MessageResponse' }] });
    expect(schemas.RoomResponse.properties?.me).toMatchObject({ nullable: true });
    expect(schemas.MessageResponse.properties?.editedAt).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.MemberResponse.properties?.name).toMatchObject({ type: 'string', nullable: true });
    for (const page of ['RoomPageResponse', 'MessagePageResponse', 'MemberPageResponse', 'ImagePageResponse', 'MessageEditPageResponse']) {
      expect(schemas[page]).toMatchObject({ required: ['items', 'nextCursor'], properties: { nextCursor: { nullable: true } } });
    }
    const listRooms = document.paths['/api/v1/chat/rooms'].get;
    expect(refName(listRooms.responses['200'].content?.['application/json'].schema)).toBe('RoomPageResponse');
    expect(listRooms.parameters?.find((parameter) => parameter.name === 'scope')?.schema?.enum).toEqual(['mine', 'public']);
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
      await run(process.execPath, [join(REPO, 'node_modules/openapi-typescript/bin/cli.js'), join(CLIENT, 'openapi.json'), '--default-non-nullable', 'false', '--output', generated], {
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
