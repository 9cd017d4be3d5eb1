import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { BASE } from './support/chat-client';
import { pngImage } from './support/image-fixtures';
import { inPool, must, newUser } from './support/room-fixtures';
import { ask, closeSockets, connectSocket, type ChatClient } from './support/sockets';
import { startTestApp, TEST_JWT_SECRET, type TestApp, type TestUser } from './support/test-app';

/**
 * Schema-driven fuzzing (issue 12, item 7): every operation of the OpenAPI document the server serves, and the
 * socket events, get thousands of generated inputs (valid ones, boundaries, wrong types, huge and negative
 * numbers, NUL and other C0 characters, 4-byte emoji and variation selectors at and past `maxLength`, deep JSON,
 * arrays for objects, unknown and `__proto__` keys, ids that are not UUIDs or are upper case, `%00`), sent by an
 * owner, an admin, a member and an outsider of real rooms, messages and images, so that requests get past 404.
 * No answer may be a 5xx, no socket acknowledgement may carry a statusCode of 500 or more, and the server must
 * still answer afterwards.
 *
 * Inputs come from a seeded PRNG: `FUZZ_SEED=<seed>` repeats a run (the seed is printed), `FUZZ_COUNT=<n>` sets the
 * number of HTTP requests (socket events: half as many). Each request's input depends only on the seed and its
 * index; the ids it names come from the fixture of its batch.
 */

const SEED = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const HTTP_COUNT = Math.max(1, Number(process.env.FUZZ_COUNT ?? 3000) || 3000);
const SOCKET_COUNT = Math.ceil(HTTP_COUNT / 2);
/** Requests per fixture: each batch gets fresh users, rooms, messages and images (and fresh rate-limit budgets). */
const BATCH = 400;
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 12);
const REQUEST_TIMEOUT_MS = 15_000;
const ACK_TIMEOUT_MS = 10_000;
/**
 * How often an operation is picked, relative to 1. Password hashing (scrypt, deliberately slow) costs a core
 * about 0.2 s per call: the account routes get fewer inputs so that the suite stays within a minute on 2 cores.
 */
const WEIGHTS: Record<string, number> = { register: 0.25, createToken: 0.25, health: 0.3 };

// ---- seeded randomness ---------------------------------------------------------------------------------------

function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** mulberry32: small, fast and good enough to pick inputs; one stream per generated input. */
class Rng {
  private state: number;
  constructor(...parts: Array<string | number>) {
    this.state = hash32(parts.join(':'));
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) if ((roll -= weight) < 0) return item;
    return items[items.length - 1][0];
  }
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

// ---- the OpenAPI document ------------------------------------------------------------------------------------

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  id: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body?: { contentType: string; schema: Schema };
  /** Calls without a bearer token (the account routes, health). */
  public: boolean;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[]; security?: unknown[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
}

/** Inlines `$ref`s and merges `allOf`s, so that generators only see plain schemas. */
function schemaResolver(document: OpenApiDocument): (schema: Schema | undefined) => Schema {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
    if (schema.allOf) {
      const { allOf, ...rest } = schema;
      return Object.assign({}, ...allOf.map(resolve), rest);
    }
    const resolved: Schema = { ...schema };
    if (schema.items) resolved.items = resolve(schema.items);
    if (schema.properties) resolved.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, resolve(value)]));
    return resolved;
  };
  return resolve;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  const resolve = schemaResolver(document);
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const [contentType, content] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
      return {
        id: operation.operationId,
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((parameter) => ({ ...parameter, schema: resolve(parameter.schema) })),
        body: content ? { contentType, schema: resolve(content.schema) } : undefined,
        public: !operation.security?.length,
      };
    }),
  );
}

// ---- the fixture ---------------------------------------------------------------------------------------------

type Role = 'owner' | 'admin' | 'member' | 'outsider';
const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'outsider'];

/** Real things for inputs to name. The outsider owns a room of their own that nobody else is in. */
interface Fixture {
  users: Record<Role, TestUser>;
  newcomer: TestUser;
  rooms: { group: string; spare: string; public: string; direct: string; foreign: string };
  messages: { withImage: string; byOwner: string; reply: string; deleted: string; direct: string; foreign: string; inSpare: string; inPublic: string };
  images: { attached: string; loose: string };
  /** An open report of the group room's message by the owner. */
  report: string;
  lastSeq: number;
  /** Real `nextCursor`s of the fixture's lists (messages, rooms, members, changes), to send back and to tamper with. */
  cursors: string[];
  /** A local account (standalone server), for the account routes. */
  account: { username: string; password: string };
  /** Refresh tokens of separate log-ins of `account` (each works once; a reused one revokes its own log-in only). */
  refreshTokens: string[];
  /** Devices of the fixture's users, so that deleting one can succeed. */
  devices: string[];
  /** Tokens with strange but validly signed claims, made once per fixture. */
  oddTokens: string[];
  /** The room the input being generated names (so that its message ids are mostly of that room). */
  scope: { roomId?: string };
}

const b64url = (value: string) => Buffer.from(value).toString('base64url');
/** A validly signed HS256 token with exactly these claims (the claims a test helper would refuse to make). */
function signedToken(claims: Record<string, unknown>): string {
  const unsigned = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

function oddTokens(): string[] {
  const now = Math.floor(Date.now() / 1000);
  const sub = () => `u-odd-${randomUUID()}`;
  const claims: Array<Record<string, unknown>> = [
    { sub: `a\u0000b-${randomUUID()}` },
    { sub: `\u0001${randomUUID()}` },
    { sub: 'x'.repeat(255) + randomUUID() },
    { sub: 'y'.repeat(255) },
    { sub: '😀'.repeat(200) },
    { sub: '❤️'.repeat(128) },
    { sub: '' },
    { sub: 12345 },
    { sub: ['a'] },
    { sub: { id: 'a' } },
    { sub: null },
    { sub: '__proto__' },
    { sub: 'constructor' },
    { sub: sub(), name: '\u0000' },
    { sub: sub(), name: 'Ann\u001b[31m' },
    { sub: sub(), name: 'x'.repeat(10_000) },
    { sub: sub(), name: '❤️'.repeat(150) },
    { sub: sub(), name: 42 },
    { sub: sub(), name: { first: 'a' } },
    { sub: sub(), exp: 'tomorrow' },
    { sub: sub(), exp: 2 ** 53 },
    { sub: sub(), exp: 1e308 },
    { sub: sub(), iat: -1 },
    { sub: sub(), nbf: 'now' },
    { sub: sub(), guest: 'yes' },
    { sub: sub(), chatAdmin: 'maybe' },
  ];
  return claims.map((claim) => signedToken({ iat: now, exp: now + 3600, ...claim }));
}

async function buildFixture(t: TestApp, png: Buffer): Promise<Fixture> {
  const http = () => t.http();
  const [admin, member, outsider, newcomer] = ['Admin', 'Member', 'Outsider', 'Newcomer'].map((name) => newUser(`fuzz ${name}`));
  // The owner is also a server administrator, so the `/admin` routes get requests that pass their guard.
  const owner = newUser('fuzz Owner', { chatAdmin: true });
  const create = async (user: TestUser, body: object) => must(await http().post(`${BASE}/rooms`).set(user.auth).send(body), 201, 'create a room').body.id as string;
  const send = async (user: TestUser, roomId: string, body: object) => must(await http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send(body), 201, 'send').body as { id: string; seq: number };
  const upload = async (user: TestUser) =>
    must(await http().post(`${BASE}/images`).set(user.auth).attach('file', png, { filename: 'pixel.png', contentType: 'image/png' }), 201, 'upload').body.id as string;
  const account = { username: `fz_${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}` };
  const [group, spare, publicRoom, direct, foreign, attached, loose] = await Promise.all([
    create(owner, { type: 'group', title: 'Fuzz', memberIds: [admin.id, member.id] }),
    create(owner, { type: 'group', title: 'Spare', memberIds: [admin.id, member.id] }),
    create(owner, { type: 'group', title: 'Fuzz public', isPublic: true, memberIds: [member.id] }),
    create(member, { type: 'direct', memberIds: [owner.id] }),
    create(outsider, { type: 'group', title: 'Elsewhere', memberIds: [newcomer.id] }),
    upload(member),
    upload(owner),
    http().post('/api/v1/auth/register').send(account).then((res) => must(res, 201, 'register')),
  ]);
  const devices: string[] = [];
  for (const user of [owner, member, admin]) {
    devices.push(must(await http().post(`${BASE}/devices`).set(user.auth).send({ platform: 'fcm', token: `fz-${randomUUID()}` }), 201, 'register a device').body.id as string);
  }
  const refreshTokens: string[] = [];
  for (let i = 0; i < 6; i++) refreshTokens.push(must(await http().post('/api/v1/auth/token').send(account), 200, 'log in').body.refreshToken as string);
  must(await http().patch(`${BASE}/rooms/${group}/members/${admin.id}`).set(owner.auth).send({ role: 'admin' }), 200, 'promote');
  const withImage = await send(member, group, { body: 'with a picture', imageIds: [attached] });
  const [byOwner, deleted, directMessage, foreignMessage, inSpare, inPublic] = await Promise.all([
    send(owner, group, { body: 'from the owner' }),
    send(member, group, { body: 'to be deleted' }),
    send(member, direct, { body: 'hello' }),
    send(outsider, foreign, { body: 'not for you' }),
    send(admin, spare, { body: 'spare' }),
    send(member, publicRoom, { body: 'public' }),
  ]);
  const reply = await send(admin, group, { body: 'a reply', parentId: withImage.id });
  must(await http().delete(`${BASE}/rooms/${group}/messages/${deleted.id}`).set(member.auth), 204, 'delete');
  must(await http().put(`${BASE}/rooms/${group}/messages/${withImage.id}/reactions/${encodeLoose('👍')}`).set(owner.auth), 200, 'react');
  must(await http().post(`${BASE}/rooms/${group}/messages/${byOwner.id}/pin`).set(owner.auth), 200, 'pin');
  // A report, a room ban and a server ban, so that resolving and lifting can succeed (the owner is a server administrator).
  const report = must(await http().post(`${BASE}/rooms/${group}/messages/${byOwner.id}/reports`).set(member.auth).send({ reason: 'fuzz' }), 201, 'report').body.id as string;
  must(await http().put(`${BASE}/rooms/${group}/bans/${newcomer.id}`).set(owner.auth).send({ reason: 'fuzz' }), 200, 'ban from the room');
  must(await http().put(`${BASE}/admin/users/${newcomer.id}/ban`).set(owner.auth).send({ reason: 'fuzz' }), 200, 'ban from the server');
  const nextCursor = async (path: string) => must(await http().get(path).set(owner.auth), 200, `list ${path}`).body.nextCursor as string | null;
  const cursors = await Promise.all(
    [`${BASE}/rooms/${group}/messages?limit=1`, `${BASE}/rooms?limit=1`, `${BASE}/rooms/${group}/members?limit=1`, `${BASE}/rooms/${group}/changes?since=0&limit=1`].map(nextCursor),
  );
  return {
    users: { owner, admin, member, outsider },
    newcomer,
    rooms: { group, spare, public: publicRoom, direct, foreign },
    messages: { withImage: withImage.id, byOwner: byOwner.id, reply: reply.id, deleted: deleted.id, direct: directMessage.id, foreign: foreignMessage.id, inSpare: inSpare.id, inPublic: inPublic.id },
    images: { attached, loose },
    report,
    lastSeq: reply.seq,
    cursors: cursors.filter((cursor): cursor is string => typeof cursor === 'string'),
    account,
    refreshTokens,
    devices,
    oddTokens: oddTokens(),
    scope: {},
  };
}

// ---- values --------------------------------------------------------------------------------------------------

/** Where a valid value of a field comes from: real ids of the fixture for the fields that name things. */
function namedValue(name: string, rng: Rng, fx: Fixture): unknown {
  const userIds = [...ROLES.map((role) => fx.users[role].id), fx.newcomer.id];
  const messageIds = Object.values(fx.messages);
  switch (name) {
    case 'roomId':
      return (fx.scope.roomId = rng.weighted([[fx.rooms.group, 6], [fx.rooms.spare, 1], [fx.rooms.public, 2], [fx.rooms.direct, 2], [fx.rooms.foreign, 1], [rng.uuid(), 0.5]] as const));
    case 'messageId':
    case 'parentId': {
      const { rooms, messages } = fx;
      const ofRoom: Record<string, string[]> = {
        [rooms.group]: [messages.withImage, messages.withImage, messages.byOwner, messages.reply, messages.deleted],
        [rooms.spare]: [messages.inSpare],
        [rooms.public]: [messages.inPublic],
        [rooms.direct]: [messages.direct],
        [rooms.foreign]: [messages.foreign],
      };
      const inRoom = ofRoom[fx.scope.roomId ?? ''];
      return inRoom && rng.chance(0.85) ? rng.pick(inRoom) : rng.chance(0.9) ? rng.pick(Object.values(messages)) : rng.uuid();
    }
    case 'messageIds':
      return Array.from({ length: rng.int(1, 3) }, () => rng.pick(messageIds));
    case 'imageId':
      return rng.weighted([[fx.images.attached, 3], [fx.images.loose, 2], [rng.uuid(), 0.5]] as const);
    case 'reportId':
      return rng.chance(0.9) ? fx.report : rng.uuid();
    case 'imageIds':
      return rng.chance(0.5) ? [fx.images.loose] : rng.chance(0.5) ? [fx.images.attached] : [];
    case 'userId':
    case 'senderId':
      return rng.weighted([[fx.newcomer.id, 2], [rng.pick(userIds), 5], [`u-${rng.uuid()}`, 1]] as const);
    case 'memberIds':
      return rng.chance(0.3) ? [] : Array.from({ length: rng.int(1, 3) }, () => rng.pick([...userIds, `u-${rng.uuid()}`]));
    case 'userIds':
      return Array.from({ length: rng.int(1, 3) }, () => rng.pick(userIds)).join(',');
    case 'emoji':
      return rng.pick(['👍', '❤️', '🎉', '😀', ':smile:', '👍🏽']);
    case 'seq':
      return rng.int(0, fx.lastSeq + 2);
    case 'username':
      return rng.chance(0.5) ? fx.account.username : `fz_${rng.uuid().slice(0, 8)}${rng.int(0, 9999)}`;
    case 'password':
      return rng.chance(0.7) ? fx.account.password : `pw-${rng.uuid()}`;
    case 'deviceId':
      return rng.chance(0.85) ? rng.pick(fx.devices) : rng.uuid();
    case 'refreshToken':
      return rng.chance(0.8) ? rng.pick(fx.refreshTokens) : rng.uuid();
    case 'clientId':
      return rng.uuid();
    case 'q':
      return rng.pick(['hello', 'a', 'from', 'pic', 'Fuzz', 'zz']);
    case 'cursor':
      return undefined;
    case 'If-None-Match':
      return rng.pick(['"abc"', '*', 'W/"x"']);
    default:
      return undefined;
  }
}

function validValue(schema: Schema, name: string, rng: Rng, fx: Fixture): unknown {
  if (schema.nullable && rng.chance(0.1)) return null;
  const named = namedValue(name, rng, fx);
  if (named !== undefined) return named;
  if (schema.enum) return rng.pick(schema.enum);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      return rng.int(min, Math.min(schema.maximum ?? min + 1000, min + 1000));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      const length = rng.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3));
      return Array.from({ length }, () => validValue(schema.items ?? {}, name.replace(/s$/, ''), rng, fx));
    }
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || rng.chance(0.5)) value[key] = validValue(property, key, rng, fx);
      }
      return value;
    }
    default:
      if (schema.format === 'uuid') return rng.uuid();
      if (schema.format === 'date-time') return new Date(Date.now() + rng.int(-86_400_000, 86_400_000)).toISOString();
      if (schema.format === 'binary') return undefined;
      return text(rng, schema.minLength ?? 1, Math.min(schema.maxLength ?? 40, 40));
  }
}

/** Ordinary text of `min`..`max` UTF-16 code units (some emoji and tabs included). */
function text(rng: Rng, min: number, max: number): string {
  const words = ['hello', 'world', 'Fuzz', 'émoji', '😀', 'über', '中文', 'a', 'test', 'tab\there', 'two\nlines'];
  const target = rng.int(Math.max(min, 1), Math.max(min, max, 1));
  let value = rng.pick(words);
  if (value.length > max) return 'x'.repeat(Math.max(min, 1));
  for (let next = `${value} ${rng.pick(words)}`; value.length < target && next.length <= max; next = `${value} ${rng.pick(words)}`) value = next;
  return value.length >= min ? value : value + 'x'.repeat(min - value.length);
}

/** Hostile strings for a string field of that maximum length (UTF-16 code units, as JSON Schema counts). */
function hostileString(rng: Rng, schema: Schema): unknown {
  const max = schema.maxLength ?? 255;
  const uuid = rng.uuid();
  return rng.pick<() => unknown>([
    () => '',
    () => ' ',
    () => '\u0000',
    () => `a\u0000b`,
    () => `${uuid}\u0000`,
    () => rng.pick(['\u0001', '\u0008', '\u000b', '\u000c', '\u000d', '\u001b', '\u001f', '\u007f', '\u0085']) + 'x',
    () => '\t\n ok',
    () => '\ud800',
    () => 'x\udfffy',
    () => '\ufeff\u202e\u200b\uffff',
    () => 'x'.repeat(max),
    () => 'x'.repeat(max + 1),
    () => '😀'.repeat(max),
    () => '😀'.repeat(Math.ceil(max / 2)),
    () => '😀'.repeat(Math.ceil(max / 2) + 1),
    () => '❤️'.repeat(Math.floor(max / 2)),
    () => '❤️'.repeat(Math.floor(max / 2) + 1),
    () => '❤️'.repeat(max),
    () => 'x'.repeat(max - 1) + '😀',
    () => 'x'.repeat(max - 1) + '❤️',
    () => 'e\u0301'.repeat(Math.ceil(max / 2) + 1),
    () => '👨‍👩‍👧‍👦'.repeat(Math.ceil(max / 11) + 1),
    () => '\u{10ffff}'.repeat(Math.max(1, Math.floor(max / 2))),
    () => 'x'.repeat(rng.pick([2 ** 16, 300_000])),
    () => "' OR '1'='1",
    () => '%00',
    () => '%s%n%x',
    () => '${7*7}{{7*7}}',
    () => '__proto__',
    () => '../../etc/passwd',
    () => uuid.toUpperCase(),
    () => `{${uuid}}`,
    () => uuid.replace(/-/g, ''),
    () => '١٢٣',
    () => 'NaN',
    () => '-1',
    () => '1e309',
    () => '2147483648',
  ])();
}

const HUGE_NUMBERS = [2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 63, 1e308, -1, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53), 0.5, -0, 1e-7, Number.MAX_VALUE];

function hostileValue(schema: Schema, name: string, rng: Rng, fx: Fixture): unknown {
  // A wrong type now and then, whatever the field.
  if (rng.chance(0.2)) return rng.pick<unknown>([null, true, false, 0, 1, -1, '', 'x', [], {}, [null], { a: 1 }, 2 ** 31, '\u0000']);
  if (schema.enum) return rng.pick<unknown>([String(rng.pick(schema.enum)).toUpperCase(), `${String(rng.pick(schema.enum))} `, 'owner', 'superuser', '\u0000', '']);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? 2 ** 31 - 1;
      return rng.pick<unknown>([min - 1, max, max + 1, ...HUGE_NUMBERS, '1', '', '1e3', 'abc', String(2 ** 31), [1], { n: 1 }]);
    }
    case 'boolean':
      return rng.pick<unknown>(['true', 'false', 1, 0, 'yes', [true], { b: true }]);
    case 'array': {
      const max = schema.maxItems ?? 100;
      const one = () => validValue(schema.items ?? {}, name.replace(/s$/, ''), rng, fx);
      return rng.pick<() => unknown>([
        () => [],
        () => Array.from({ length: max + 1 }, one),
        () => Array.from({ length: rng.pick([1000, 20_000]) }, one),
        () => [hostileValue(schema.items ?? {}, name.replace(/s$/, ''), rng, fx)],
        () => [one(), hostileValue(schema.items ?? {}, name.replace(/s$/, ''), rng, fx)],
        () => [[one()]],
        () => [{ id: one() }],
        () => one(),
        () => ({ 0: one(), length: 1 }),
        () => [one(), one(), one()].map((value) => (typeof value === 'string' ? value.toUpperCase() : value)),
      ])();
    }
    case 'object':
      return rng.pick<unknown>([[], [validValue(schema, name, rng, fx)], 'object', 1, null, nested(rng.pick([100, 2000]), 'object')]);
    default:
      if (schema.format === 'uuid' && rng.chance(0.5)) {
        const real = namedValue(name, rng, fx);
        const id = typeof real === 'string' ? real : rng.uuid();
        return rng.pick<unknown>([id.toUpperCase(), `${id}\u0000`, ` ${id}`, id.slice(0, 35), `${id}0`, '00000000-0000-0000-0000-000000000000', 'not-a-uuid', id.replace(/-/g, '')]);
      }
      return hostileString(rng, schema);
  }
}

/** `depth` levels of arrays (or objects) around a 1, as a value. */
function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** `depth` levels as JSON text, for depths JSON.stringify could not reach. */
const nestedJson = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** An object with an own, enumerable key (such as `__proto__`) that JSON.stringify writes out. */
function withKey(target: unknown, key: string, value: unknown): unknown {
  const copy = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/**
 * A body for an object schema: valid, or valid with one to three fields made hostile, required ones dropped,
 * unknown, `__proto__` or `constructor` keys added, or another JSON value altogether. Returns JSON text.
 */
function jsonBody(schema: Schema, rng: Rng, fx: Fixture, valid: boolean, extraRequired: Record<string, Schema> = {}): string {
  const full: Schema = { ...schema, type: 'object', properties: { ...extraRequired, ...schema.properties }, required: [...Object.keys(extraRequired), ...(schema.required ?? [])] };
  let body = validValue(full, '', rng, fx) as Record<string, unknown>;
  if (valid) return JSON.stringify(body);
  const keys = Object.keys(full.properties ?? {});
  const mutations = rng.int(1, 3);
  for (let i = 0; i < mutations; i++) {
    const choice = rng.weighted([
      ['field', 8],
      ['drop', 1],
      ['unknown', 1],
      ['proto', 1.5],
      ['deepField', 1],
      ['whole', 1.5],
    ] as const);
    if (choice === 'field' && keys.length) {
      const key = rng.pick(keys);
      body = { ...body, [key]: hostileValue(full.properties![key], key, rng, fx) };
    } else if (choice === 'drop' && keys.length) {
      const { [rng.pick(keys)]: _dropped, ...rest } = body;
      body = rest;
    } else if (choice === 'unknown') {
      body = { ...body, [rng.pick(['extra', 'id', 'createdAt', 'version', 'role', 'senderId', 'x'.repeat(300), '', '\u0000'])]: rng.pick<unknown>([1, 'x', null, {}]) };
    } else if (choice === 'proto') {
      body = withKey(body, rng.pick(['__proto__', 'constructor', 'prototype']), rng.pick<unknown>([{ isAdmin: true, role: 'owner' }, { prototype: { polluted: 1 } }, null, 'x', []])) as Record<string, unknown>;
    } else if (choice === 'deepField' && keys.length) {
      return JSON.stringify(body).replace(/}$/, `${Object.keys(body).length ? ',' : ''}"${rng.pick(keys)}":${nestedJson(rng.pick([64, 1000, 20_000]), rng.pick(['array', 'object'] as const))}}`);
    } else if (choice === 'whole') {
      return rng.pick<() => string>([
        () => JSON.stringify([body]),
        () => '[]',
        () => 'null',
        () => '1',
        () => '"body"',
        () => 'true',
        () => '{',
        () => '{"a":1,}',
        () => `\ufeff${JSON.stringify(body)}`,
        () => JSON.stringify(body).replace(/"/g, "'"),
        () => '',
        () => nestedJson(rng.pick([100, 5000, 20_000, 100_000]), rng.pick(['array', 'object'] as const)),
        () => JSON.stringify({ ...body, pad: 'x'.repeat(300 * 1024) }),
        () => '1e999',
        () => '{"__proto__":{"polluted":true}}',
      ])();
    }
  }
  return JSON.stringify(body);
}

// ---- HTTP requests -------------------------------------------------------------------------------------------

/** encodeURIComponent that also takes lone surrogates (as their WTF-8 bytes, which no valid URL holds). */
function encodeLoose(value: string): string {
  const wtf8 = (unit: number) => [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 63), 0x80 | (unit & 63)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
  return value.replace(/([\ud800-\udbff][\udc00-\udfff])|([\ud800-\udfff])|([^\ud800-\udfff]+)/g, (match: string, pair?: string, lone?: string) =>
    lone ? wtf8(lone.charCodeAt(0)) : encodeURIComponent(match),
  );
}

interface FuzzRequest {
  index: number;
  op: string;
  method: string;
  path: string;
  caller: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** What to print for the body. */
  shown?: string;
}

/** A path value: the id percent-encoded, or something raw that is not one. */
function pathValue(parameter: Parameter, rng: Rng, fx: Fixture, valid: boolean): string {
  const real = String(validValue(parameter.schema ?? {}, parameter.name, rng, fx));
  if (valid) return encodeLoose(real);
  return rng.pick<() => string>([
    () => encodeLoose(real.toUpperCase()),
    () => encodeLoose(real),
    () => '%00',
    () => `${encodeLoose(real)}%00`,
    () => '%',
    () => '%zz',
    () => '%2e%2e',
    () => '%2F',
    () => '%c0%af',
    () => '%ed%a0%80',
    () => '%F0%9F',
    () => encodeLoose(rng.uuid()),
    () => '00000000-0000-0000-0000-000000000000',
    () => 'not-a-uuid',
    () => '1',
    () => '-1',
    () => String(2 ** 31),
    () => 'x'.repeat(rng.pick([256, 2000])),
    () => encodeLoose(String(hostileString(rng, { maxLength: 64 })).slice(0, 4000)),
    () => encodeLoose(`{${real}}`),
    () => encodeLoose(real.replace(/-/g, '')),
    () => encodeLoose(`${real} `),
    () => encodeLoose('👍'.repeat(rng.pick([2, 50]))),
    () => encodeLoose(rng.pick(['❤️', '\ufe0f', '👍\u0000', ':' + 'a'.repeat(300) + ':', ' ', '👨‍👩‍👧‍👦', 'a'])),
  ])();
}

/** A query value: valid, or a raw string no client library would send. */
function queryValue(parameter: Parameter, rng: Rng, fx: Fixture, valid: boolean): string[] {
  const schema = parameter.schema ?? {};
  const good = validValue(schema, parameter.name, rng, fx);
  const cursor = () =>
    b64url(
      JSON.stringify(
        rng.pick<unknown>([
          { at: '1', tie: 1 },
          { at: '1', tie: 'x' },
          { at: '2020-01-01T00:00:00.000000Z', tie: 2 ** 31 },
          { at: '2020-01-01T00:00:00.000000Z', tie: -1 },
          { at: '9999-12-31T23:59:59Z', tie: '00000000-0000-0000-0000-000000000000' },
          { at: '2020-01-01T00:00:00Z', tie: 'not-a-uuid' },
          { at: 'x'.repeat(400), tie: 1 },
          { seq: 2 ** 31 },
          { seq: -1 },
          { v: 2 ** 31, k: 1, u: '', s: 2 ** 40 },
          { v: 1, k: 0, u: '\u0000', s: 0 },
          { v: 1, k: 1, u: '', s: 1 },
          { id: rng.uuid() },
          [],
          null,
          1e400,
        ]),
      ),
    );
  if (parameter.name === 'cursor') {
    // A real cursor (of this list or another), one with a field tampered with, a forged one, or any text.
    const real = fx.cursors.length ? rng.pick(fx.cursors) : cursor();
    if (valid) return rng.chance(0.5) ? [real] : [];
    const tampered = () => {
      const key = JSON.parse(Buffer.from(real, 'base64url').toString('utf8')) as Record<string, unknown>;
      const field = rng.pick(Object.keys(key));
      key[field] = hostileValue({ type: typeof key[field] === 'number' ? 'integer' : 'string' }, field, rng, fx);
      return b64url(JSON.stringify(key));
    };
    return [rng.weighted<() => string>([[tampered, 4], [cursor, 4], [() => encodeLoose(String(hostileString(rng, schema)).slice(0, 2000)), 2], [() => `${real}=`, 0.5], [() => real.slice(0, -3), 0.5]])()];
  }
  if (good === undefined) return [];
  if (valid) return [encodeLoose(String(good))];
  const hostile = hostileValue(schema, parameter.name, rng, fx);
  return rng.pick<() => string[]>([
    () => [encodeLoose(typeof hostile === 'object' ? JSON.stringify(hostile) : String(hostile)).slice(0, 8000)],
    () => [rng.pick(['99999999999999999999', '1e400', '0x10', '%201', '1%20', '%2B1', '%D9%A1', '1.0', '1.5', '', 'null', '%00', '%zz', '%', '-0', String(2 ** 31), String(2 ** 31 - 1), String(-(2 ** 31) - 1)])],
    () => [encodeLoose(String(good)), encodeLoose(String(good))],
    () => [encodeLoose(String(good)).toUpperCase()],
    () => [`${encodeLoose(String(good))}%00`],
  ])();
}

function multipart(parts: Array<{ name: string; filename?: string; type?: string; data: Buffer | string }>, boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function uploadBody(rng: Rng, png: Buffer, valid: boolean): { headers: Record<string, string>; body: Buffer | string; shown: string } {
  const boundary = `fuzz${rng.int(0, 1e9)}`;
  const type = `multipart/form-data; boundary=${boundary}`;
  if (valid) return { headers: { 'content-type': type }, body: multipart([{ name: 'file', filename: 'pixel.png', type: 'image/png', data: png }], boundary), shown: 'file=pixel.png (valid PNG)' };
  const random = (length: number) => Buffer.from(Array.from({ length }, () => rng.int(0, 255)));
  const [name, data] = rng.pick<() => [string, Buffer]>([
    () => ['random bytes', random(rng.int(0, 2000))],
    () => ['PNG signature + noise', Buffer.concat([png.subarray(0, 8), random(rng.int(0, 500))])],
    () => ['PNG header + noise', Buffer.concat([png.subarray(0, 33), random(rng.int(0, 500))])],
    () => ['PNG cut short', png.subarray(0, rng.int(1, png.length - 1))],
    () => ['GIF89a + noise', Buffer.concat([Buffer.from('GIF89a'), random(rng.int(0, 300))])],
    () => ['JPEG marker + noise', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), random(rng.int(0, 300))])],
    () => ['RIFF WEBP + noise', Buffer.concat([Buffer.from('RIFF\u0010\u0000\u0000\u0000WEBPVP8 '), random(rng.int(0, 300))])],
    () => ['empty', Buffer.alloc(0)],
    () => ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>')],
    () => ['valid PNG', png],
  ])();
  const filename = rng.pick(['pixel.png', 'a\u0000.png', `${'a'.repeat(1000)}.png`, '../../x.png', '😀.png', '%00.png', '', 'x.svg', 'noext']);
  const mime = rng.pick(['image/png', 'image/svg+xml', 'text/html', 'application/octet-stream', '', 'image/png\u0000']);
  return rng.pick<() => { headers: Record<string, string>; body: Buffer | string; shown: string }>([
    () => ({ headers: { 'content-type': type }, body: multipart([{ name: 'file', filename, type: mime, data }], boundary), shown: `file=${name} filename=${JSON.stringify(filename)} type=${JSON.stringify(mime)}` }),
    () => ({ headers: { 'content-type': type }, body: multipart([{ name: 'image', filename: 'a.png', type: 'image/png', data }], boundary), shown: `field image=${name}` }),
    () => ({ headers: { 'content-type': type }, body: multipart([{ name: 'file', filename: 'a.png', data: png }, { name: 'file', filename: 'b.png', data }], boundary), shown: `two files (${name})` }),
    () => ({ headers: { 'content-type': type }, body: multipart([{ name: 'file', data: 'not a file' }, { name: '__proto__', data: 'x' }], boundary), shown: 'text field file, __proto__ field' }),
    () => ({ headers: { 'content-type': type }, body: multipart([], boundary), shown: 'no parts' }),
    () => ({ headers: { 'content-type': 'multipart/form-data' }, body: multipart([{ name: 'file', filename: 'a.png', data }], boundary), shown: `no boundary (${name})` }),
    () => ({ headers: { 'content-type': type }, body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n${data.toString('latin1')}`, shown: `unterminated (${name})` }),
    () => ({ headers: { 'content-type': 'application/json' }, body: '{"file":"iVBORw0KGgo="}', shown: 'json instead of multipart' }),
    () => ({ headers: { 'content-type': 'image/png' }, body: png, shown: 'raw PNG body' }),
  ])();
}

/** Who sends a request: a role of the fixture, or a caller with a strange, missing or broken token. */
function callerFor(rng: Rng, fx: Fixture, valid: boolean): { caller: string; authorization?: string } {
  const role = rng.weighted<Role | 'odd' | 'broken'>([['owner', 30], ['admin', 12], ['member', 25], ['outsider', 18], ['odd', valid ? 0 : 9], ['broken', valid ? 0 : 6]]);
  if (role === 'odd') {
    const index = rng.int(0, fx.oddTokens.length - 1);
    return { caller: `odd-token#${index}`, authorization: `Bearer ${fx.oddTokens[index]}` };
  }
  if (role === 'broken') {
    const broken = rng.pick<string | undefined>([undefined, 'Bearer', 'Bearer ', 'Basic YTpi', `Bearer ${fx.users.owner.token}x`, 'Bearer a.b.c', `Bearer ${'a'.repeat(9000)}`, `bearer ${fx.users.member.token}`, `Bearer  ${fx.users.member.token}`]);
    return { caller: `broken:${broken === undefined ? 'none' : broken.slice(0, 20)}`, authorization: broken };
  }
  return { caller: role, authorization: fx.users[role].auth.Authorization };
}

function generate(operation: Operation, index: number, fixture: Fixture, png: Buffer): FuzzRequest {
  const rng = new Rng(SEED, 'http', index);
  const fx: Fixture = { ...fixture, scope: {} };
  const valid = rng.chance(0.3);
  const { caller, authorization } = callerFor(rng, fx, valid);
  let path = operation.path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  for (const parameter of operation.parameters) {
    const mutate = !valid && rng.chance(0.5);
    if (parameter.in === 'path') {
      const value = pathValue(parameter, rng, fx, !mutate);
      path = path.replace(`{${parameter.name}}`, () => value);
    }
    else if (parameter.in === 'query') {
      if (!parameter.required && !mutate && rng.chance(0.4)) continue;
      if (mutate && rng.chance(0.15)) continue; // a required one missing
      for (const value of queryValue(parameter, rng, fx, !mutate)) query.push(`${parameter.name}=${value}`);
    } else if (parameter.in === 'header' && rng.chance(0.5)) {
      headers[parameter.name] = mutate ? rng.pick(['', '*', '"', `"${'a'.repeat(4000)}"`, 'W/', '"\u00ff"', '"a", "b"']) : String(namedValue(parameter.name, rng, fx));
    }
  }
  if (!valid && rng.chance(0.08)) query.push(rng.pick(['extra=1', '__proto__=1', 'constructor[prototype][x]=1', 'a[b]=c', `x=${'y'.repeat(10_000)}`]));
  if (!operation.public || rng.chance(0.1)) {
    if (authorization !== undefined) headers.authorization = authorization;
  }
  let body: string | Buffer | undefined;
  let shown: string | undefined;
  if (operation.body?.contentType.startsWith('multipart/')) {
    const upload = uploadBody(rng, png, valid);
    Object.assign(headers, upload.headers);
    body = upload.body;
    shown = upload.shown;
  } else if (operation.body) {
    body = jsonBody(operation.body.schema, rng, fx, valid);
    headers['content-type'] = valid ? 'application/json' : rng.weighted([['application/json', 12], ['application/json; charset=utf-8', 1], ['text/plain', 1], ['application/x-www-form-urlencoded', 1], ['application/merge-patch+json', 0.5], ['application/json; charset=latin1', 0.5]] as const);
    shown = body;
  } else if (!valid && rng.chance(0.1)) {
    body = rng.pick(['{"extra":1}', '{"__proto__":{"x":1}}', nestedJson(5000, 'array'), 'garbage']);
    headers['content-type'] = 'application/json';
    shown = body;
  }
  return { index, op: operation.id, method: operation.method, path: query.length ? `${path}?${query.join('&')}` : path, caller, headers, body, shown };
}

/** A value as one printable line: control characters, lone surrogates and the like escaped, long ones cut. */
const compact = (value: string | undefined, length = 160) => {
  if (value === undefined) return '';
  const escaped = value.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > length ? `${escaped.slice(0, length)}…(${value.length} chars)` : escaped;
};

/** Bodies past the server's JSON limit may be cut off by an early 413 and a closed connection (issue 12, item 6). */
const EARLY_CLOSE_BYTES = 200 * 1024;

/**
 * Sends one request as written (node:http, one connection each, so a GET may carry a body and a closed
 * connection never spills into the next request). Null: the client refused to send it (a header Node rejects).
 */
function send(base: URL, request: FuzzRequest): Promise<{ status: number; text: string } | { error: string } | { closedEarly: true } | null> {
  return new Promise((resolve) => {
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    let client: ClientRequest;
    let answered = false;
    try {
      client = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          method: request.method,
          path: request.path,
          headers: { ...request.headers, connection: 'close', ...(body && { 'content-length': String(body.length) }) },
          agent: false,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (error) => resolve({ status: res.statusCode ?? 0, text: `(body cut: ${error.message})` }));
        },
      );
    } catch {
      return resolve(null);
    }
    client.on('timeout', () => client.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    client.on('error', (error: Error & { code?: string }) => {
      if (answered) return;
      if (body && body.length > EARLY_CLOSE_BYTES && ['EPIPE', 'ECONNRESET'].includes(error.code ?? '')) return resolve({ closedEarly: true });
      resolve({ error: `${error.code ?? error.name}: ${error.message}` });
    });
    client.end(body);
  });
}

// ---- socket events ------------------------------------------------------------------------------------------

type Ack = { ok?: boolean; data?: unknown; error?: { statusCode?: number; message?: unknown; code?: string } };
let rawAckId = 1_000_000;

/**
 * Emits an event whose payload is JSON text (of any depth, or not JSON at all) straight into the Engine.IO
 * connection, as a Socket.IO EVENT packet of `/chat` asking for an acknowledgement, which socket.io-client then
 * hands to the handler registered here. Rejects when the socket disconnects first or nothing comes back.
 */
function askRaw(socket: ChatClient, event: string, payloadText: string, timeoutMs: number): Promise<Ack> {
  const id = rawAckId++;
  const acks = (socket as unknown as { acks: Record<number, ((...args: unknown[]) => void) & { withError?: boolean }> }).acks;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      delete acks[id];
      reject(new Error(`no ack in ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (error: unknown, answer?: unknown) => {
      clearTimeout(timer);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(answer as Ack);
    };
    handler.withError = true; // called with an error when the socket disconnects, with (null, ack) otherwise
    acks[id] = handler;
    (socket.io as unknown as { engine: { write: (data: string) => void } }).engine.write(`2/chat,${id}[${JSON.stringify(event)},${payloadText}]`);
  });
}

/** The acknowledgement, or 'disconnected' when the socket goes first (an emit on a closed socket is only buffered). */
async function askUnlessDropped(socket: ChatClient, send: () => Promise<Ack>): Promise<Ack | 'disconnected'> {
  if (!socket.connected) return 'disconnected';
  let onDisconnect: () => void = () => undefined;
  const dropped = new Promise<'disconnected'>((resolve) => {
    onDisconnect = () => resolve('disconnected');
    socket.once('disconnect', onDisconnect);
  });
  try {
    return await Promise.race([send(), dropped]);
  } finally {
    socket.off('disconnect', onDisconnect);
  }
}

// ---- the suite -----------------------------------------------------------------------------------------------

describe('fuzz: every operation and socket event, generated inputs, no 5xx (postgres)', () => {
  let t: TestApp;
  let operations: Operation[];
  let weightedOperations: Array<readonly [Operation, number]>;
  let png: Buffer;

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED}: repeat with FUZZ_SEED=${SEED} FUZZ_COUNT=${HTTP_COUNT}`);
    t = await startTestApp('postgres', { socketEventsPerSecond: 1_000_000 });
    png = await pngImage(8, 8);
    operations = operationsOf((await t.http().get('/api/docs-json').expect(200)).body as OpenApiDocument);
    weightedOperations = operations.map((operation) => [operation, WEIGHTS[operation.id] ?? 1] as const);
  });
  afterAll(async () => {
    closeSockets();
    await t?.close();
  });

  it(`answers ${HTTP_COUNT} generated HTTP requests over every operation without a 5xx`, async () => {
    expect(operations.length).toBeGreaterThan(40);
    const failures: string[] = [];
    const statuses = new Map<string, Map<number, number>>(operations.map((operation) => [operation.id, new Map()]));
    let skipped = 0;
    let closedEarly = 0;
    // Destructive operations last in each batch, so the rest still finds the fixture whole; deleting rooms last.
    const late: Record<string, number> = { updateMember: 1, removeMember: 1, leaveRoom: 1, replaceRoom: 1, deleteImage: 2, deleteRoom: 3 };
    for (let start = 0; start < HTTP_COUNT; start += BATCH) {
      const fx = await buildFixture(t, png);
      const requests = Array.from({ length: Math.min(BATCH, HTTP_COUNT - start) }, (_, offset) => {
        const index = start + offset;
        return generate(new Rng(SEED, 'op', index).weighted(weightedOperations), index, fx, png);
      }).sort((a, b) => (late[a.op] ?? 0) - (late[b.op] ?? 0));
      await inPool(requests, CONCURRENCY, async (request) => {
        const answer = await send(new URL(t.url), request);
        if (answer === null) return void skipped++;
        if ('closedEarly' in answer) return void closedEarly++;
        const byStatus = statuses.get(request.op)!;
        const status = 'status' in answer ? answer.status : 0;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if ('error' in answer || answer.status >= 500) {
          const outcome = 'error' in answer ? `no answer: ${answer.error}` : `${answer.status} ${compact(answer.text, 160)}`;
          failures.push(`#${request.index} ${request.method} ${compact(request.path, 200)} as ${request.caller}${request.shown === undefined ? '' : ` body=${compact(request.shown)}`} → ${outcome}`);
        }
      });
    }
    const summary = [...statuses].map(([op, byStatus]) => `${op}: ${[...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')}`);
    console.log(`fuzz (seed ${SEED}) HTTP answers by operation (${skipped} inputs refused by the client itself, ${closedEarly} oversize bodies cut off by the server):\n${summary.join('\n')}`);
    if (failures.length) throw new Error(`fuzz (seed ${SEED}): ${failures.length} of ${HTTP_COUNT} requests answered 5xx or not at all:\n${failures.join('\n')}`);
    // The fixture lets valid inputs through: nearly every operation answered 2xx at least once (a few may miss
    // by chance in a short run).
    const never2xx = [...statuses].filter(([, byStatus]) => ![...byStatus.keys()].some((status) => status >= 200 && status < 300)).map(([op]) => op);
    if (never2xx.length) console.log(`fuzz (seed ${SEED}) operations without any 2xx: ${never2xx.join(', ')}`);
    expect(never2xx.length).toBeLessThanOrEqual(Math.floor(operations.length * 0.15));
    await t.http().get('/health').expect(200);
  }, 240_000);

  it(`answers ${SOCKET_COUNT} generated socket events (message.send, room.read, room.delivered, typing) without an ack of 5xx, and still serves afterwards`, async () => {
    const document = (await t.http().get('/api/docs-json').expect(200)).body as OpenApiDocument;
    const resolve = schemaResolver(document);
    const schemaOf = (name: string) => resolve({ $ref: `#/components/schemas/${name}` });
    const roomId: Record<string, Schema> = { roomId: { type: 'string', format: 'uuid' } };
    const events: Array<readonly [string, Schema, number]> = [
      ['message.send', schemaOf('CreateMessageDto'), 4],
      ['room.read', schemaOf('SeqDto'), 2],
      ['room.delivered', schemaOf('SeqDto'), 2],
      ['typing', { type: 'object', properties: { isTyping: { type: 'boolean' } }, required: ['isTyping'] }, 2],
      ['no.such.event', {}, 0.3],
    ];
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const perFixture = 500;
    for (let start = 0; start < SOCKET_COUNT; start += perFixture) {
      const fx = await buildFixture(t, png);
      const sockets = new Map<Role, ChatClient>();
      for (const role of ROLES) sockets.set(role, await connectSocket(t.url, fx.users[role].token));
      // Principals with strange claims: refused at the handshake, or answered like anybody else.
      for (const [index, token] of fx.oddTokens.entries()) {
        const odd = await connectSocket(t.url, token).catch(() => null);
        count(odd ? 'odd token connected' : 'odd token refused');
        if (!odd) continue;
        for (const [event, payload] of [['message.send', { roomId: fx.rooms.public, body: 'hi' }], ['typing', { roomId: fx.rooms.group, isTyping: true }]] as const) {
          const ack = await askUnlessDropped(odd, () => ask(odd, event, payload, ACK_TIMEOUT_MS)).catch((error: Error) => ({ ok: false, error: { statusCode: -1, message: error.message } }));
          if (ack === 'disconnected') {
            count('odd token dropped after connecting');
            break;
          }
          if (ack.ok !== true && (typeof ack.error?.statusCode !== 'number' || ack.error.statusCode < 0 || ack.error.statusCode >= 500)) {
            failures.push(`${event} on a socket of odd-token#${index} → ${compact(JSON.stringify(ack), 200)}`);
          }
        }
        odd.disconnect();
      }
      const lanes = ROLES.map((role) => ({ role, items: [] as Array<{ index: number; event: string; payload?: unknown; text?: string; shown: string }> }));
      for (let index = start; index < Math.min(start + perFixture, SOCKET_COUNT); index++) {
        const rng = new Rng(SEED, 'socket', index);
        const [event, schema] = rng.weighted(events.map((entry) => [[entry[0], entry[1]] as const, entry[2]] as const));
        const valid = rng.chance(0.3);
        const lane = lanes[rng.weighted([[0, 3], [1, 2], [2, 3], [3, 2]] as const)];
        if (!valid && rng.chance(0.15)) {
          // Through socket.io-client itself: what a client library sends for values that are not objects.
          const payload = rng.pick<unknown>([undefined, null, 'room', 42, true, [], [{ roomId: fx.rooms.group }], nested(rng.pick([100, 1000]), 'array'), { roomId: nested(500, 'object') }]);
          lane.items.push({ index, event, payload, shown: compact(JSON.stringify(payload) ?? 'undefined') });
        } else {
          const text = jsonBody(schema, rng, { ...fx, scope: {} }, valid, roomId);
          lane.items.push({ index, event, text, shown: compact(text) });
        }
      }
      await Promise.all(
        lanes.map(async ({ role, items }) => {
          for (const item of items) {
            let socket = sockets.get(role)!;
            if (!socket.connected) {
              socket = await connectSocket(t.url, fx.users[role].token);
              sockets.set(role, socket);
            }
            let ack: Ack | 'disconnected';
            try {
              ack = await askUnlessDropped(socket, () => (item.text === undefined ? ask(socket, item.event, item.payload, ACK_TIMEOUT_MS) : askRaw(socket, item.event, item.text, ACK_TIMEOUT_MS)));
              if (ack === 'disconnected') throw new Error('disconnected');
            } catch (error) {
              if (error instanceof RangeError) count('refused by the client');
              else if (!socket.connected) count('disconnected (oversize or unparsable packet)');
              else failures.push(`#${item.index} ${item.event} as ${role} payload=${item.shown} → ${(error as Error).message}`);
              continue;
            }
            const statusCode = ack?.ok === true ? 200 : ack?.error?.statusCode;
            count(`${item.event} ${statusCode}`);
            if (typeof statusCode !== 'number' || statusCode >= 500) {
              failures.push(`#${item.index} ${item.event} as ${role} payload=${item.shown} → ${compact(JSON.stringify(ack), 200)}`);
            }
          }
        }),
      );
      closeSockets();
    }
    console.log(`fuzz (seed ${SEED}) socket acks: ${[...outcomes].sort().map(([key, n]) => `${key}×${n}`).join(', ')}`);
    if (failures.length) throw new Error(`fuzz (seed ${SEED}): ${failures.length} of ${SOCKET_COUNT} socket events answered 5xx or not at all:\n${failures.join('\n')}`);

    // Still serving: a fresh member sends through a socket and over HTTP, and health is fine.
    const fx = await buildFixture(t, png);
    const socket = await connectSocket(t.url, fx.users.member.token);
    const sent = await ask(socket, 'message.send', { roomId: fx.rooms.group, body: 'still here', clientId: randomUUID() });
    expect(sent).toMatchObject({ ok: true, data: { body: 'still here' } });
    await t.http().post(`${BASE}/rooms/${fx.rooms.group}/messages`).set(fx.users.admin.auth).send({ body: 'and over HTTP' }).expect(201);
    await t.http().get('/health').expect(200);
  }, 240_000);
});
