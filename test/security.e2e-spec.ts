import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageWriter } from '../libs/chat/src/messages/message-writer.service';
import { redactRequestUrl } from '../src/logging/redact-request-url';
import { BASE, chatClient, type MessageBody } from './support/chat-client';
import { DATABASES, startTestApp, TEST_JWT_SECRET, type TestApp, type TestUser } from './support/test-app';
// items 4, 5, 6, 9, 10, 11, 14
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Readable } from 'node:stream';
import { JwtService } from '@nestjs/jwt';
import { io, Manager } from 'socket.io-client';
import { freePort, TestRedis } from './support/processes';
import { closeSockets, connectSocket, eventually, nextEvent, record } from './support/sockets';
// items 1 (control characters), 7, 13
import { generateKeyPairSync } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { hashApiToken, newApiToken } from './fixtures/hosts/api-tokens';
import { bootstrapHost } from './fixtures/hosts/bootstrap-host';
import { ForRootHostModule } from './fixtures/hosts/for-root/for-root-host.module';
import { ForRootUser } from './fixtures/hosts/for-root/for-root-user.entity';
import { ask, type ChatClient } from './support/sockets';
import { tokenFor } from './support/test-app';
// items 3 (per-user limits) and 8 (trust proxy)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { ChatRateLimit } from '@parley/chat';
import { createClient } from 'redis';
import { loadConfig } from '../src/config/app-config';
import { pngImage } from './support/image-fixtures';
import { SERVER_MAIN, ServerNode } from './support/processes';

/**
 * Issue 12, "Hardening": one `describe('item N: ...')` block per finding, each failing when its fix is reverted.
 */

// The embedded database boots in seconds per app, and several blocks start their own apps.
jest.setTimeout(90_000);

describe.each(DATABASES)('item 12: sync is paged (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp(kind);
    chat = chatClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  interface SyncMember {
    userId: string;
    role: string;
    lastReadSeq?: number;
    lastDeliveredSeq?: number;
    online?: boolean;
  }
  interface ChangesPage {
    version: number;
    room: { version: number };
    messages: MessageBody[];
    members: SyncMember[];
    removedMemberIds: string[];
    hasMore: boolean;
    nextCursor: string | null;
  }
  /** A client's copy of a room, as `changes` builds it. */
  interface SyncState {
    version: number;
    messages: Map<string, MessageBody>;
    members: Map<string, SyncMember>;
  }

  const changes = async (user: TestUser, roomId: string, query: Record<string, string | number>) =>
    (await t.http().get(`${BASE}/rooms/${roomId}/changes`).query(query).set(user.auth).expect(200)).body as ChangesPage;

  /** Pages through `changes` from the state's version to the end, as the README tells clients to. */
  async function syncPaged(user: TestUser, roomId: string, state: SyncState, limit: number, betweenPages: (page: number) => Promise<unknown> = async () => undefined) {
    const pages: ChangesPage[] = [];
    let cursor: string | null = null;
    do {
      const page = await changes(user, roomId, { since: state.version, limit, ...(cursor && { cursor }) });
      expect(page.messages.length + page.members.length + page.removedMemberIds.length).toBeLessThanOrEqual(limit);
      expect(page.version).toBeGreaterThanOrEqual(state.version);
      expect(page.nextCursor === null).toBe(!page.hasMore);
      for (const message of page.messages) state.messages.set(message.id, message);
      for (const member of page.members) state.members.set(member.userId, member);
      for (const userId of page.removedMemberIds) state.members.delete(userId);
      state.version = page.version;
      cursor = page.nextCursor;
      pages.push(page);
      if (page.hasMore) await betweenPages(pages.length);
      if (pages.length > 200) throw new Error('sync does not end');
    } while (cursor);
    return pages;
  }

  /** What the history routes say: top-level messages, every thread's replies, the members. */
  async function serverState(user: TestUser, roomId: string) {
    const topLevel = await chat.all<MessageBody>(user, `${BASE}/rooms/${roomId}/messages`, { limit: 100 });
    const replies: MessageBody[] = [];
    for (const parent of topLevel.filter((m) => m.replyCount > 0)) {
      replies.push(...(await chat.all<MessageBody>(user, `${BASE}/rooms/${roomId}/messages`, { parentId: parent.id, limit: 100 })));
    }
    const members = await chat.all<SyncMember>(user, `${BASE}/rooms/${roomId}/members`, { limit: 100 });
    return {
      version: (await chat.room(user, roomId)).version as number,
      messages: [...topLevel, ...replies].sort((a, b) => a.seq - b.seq),
      members: members.sort((a, b) => a.userId.localeCompare(b.userId)),
    };
  }
  const stateOf = (state: SyncState) => ({
    version: state.version,
    messages: [...state.messages.values()].sort((a, b) => a.seq - b.seq),
    members: [...state.members.values()].sort((a, b) => a.userId.localeCompare(b.userId)),
  });
  /**
   * A member as sync keeps it: read and delivery pointers are not room changes (no version; they travel as
   * `receipt` events), and `online` is presence.
   */
  const synced = ({ members, ...rest }: { version: number; messages: MessageBody[]; members: SyncMember[] }) => ({
    ...rest,
    members: members.map(({ lastReadSeq: _read, lastDeliveredSeq: _delivered, online: _online, ...member }) => member),
  });

  /** A group created with six members (seven rows at version 1), then sends, a reply, edits, deletes, reactions and member changes. */
  async function busyRoom() {
    const people = Array.from({ length: 7 }, (_, i) => t.user(`sync-${i}`));
    const [ann, bob, ...others] = people;
    const room = await chat.group(ann, [bob, ...others]);
    const sent: MessageBody[] = [];
    // 8 messages from each of 7 senders (well inside any per-user burst limit).
    for (let round = 0; round < 8; round++) {
      sent.push(...(await Promise.all(people.map((person, i) => chat.send(person, room.id, `round ${round} from ${i}`)))));
    }
    await chat.send(bob, room.id, 'a reply', { parentId: sent[0].id });
    await t.http().patch(`${BASE}/rooms/${room.id}/messages/${sent[1].id}`).set(people[1].auth).send({ body: 'edited' }).expect(200);
    await t.http().delete(`${BASE}/rooms/${room.id}/messages/${sent[2].id}`).set(people[2].auth).expect(204);
    await t.http().put(`${BASE}/rooms/${room.id}/messages/${sent[3].id}/reactions/${encodeURIComponent('👍')}`).set(bob.auth).expect(200);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${others[0].id}`).set(ann.auth).expect(204);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${others[1].id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
    return { room, ann, bob, others, sent };
  }

  it('answers since=0 with one page of at most the default size, and the pages reassemble to exactly the unpaged answer and the server state', async () => {
    const { room, bob } = await busyRoom();
    const first = await changes(bob, room.id, { since: 0 });
    expect(first.messages.length + first.members.length + first.removedMemberIds.length).toBeLessThanOrEqual(50);
    expect(first).toMatchObject({ hasMore: true, nextCursor: expect.any(String) });
    expect(first.version).toBeLessThan(first.room.version);

    // limit 4 splits the seven rows of version 1 (creation with its members) across pages: nothing is lost.
    const state: SyncState = { version: 0, messages: new Map(), members: new Map() };
    const pages = await syncPaged(bob, room.id, state, 4);
    expect(pages.length).toBeGreaterThan(15);
    expect(pages[0]).toMatchObject({ version: 0, hasMore: true, messages: [] });
    expect(pages[0].members).toHaveLength(4);
    const server = await serverState(bob, room.id);
    expect(stateOf(state)).toEqual(server);
    expect(pages[pages.length - 1]).toMatchObject({ version: server.version, hasMore: false, nextCursor: null });
    // Every row exactly once: no page repeats what an earlier one sent.
    const sentIds = pages.flatMap((page) => [...page.messages.map((m) => m.id), ...page.members.map((m) => m.userId), ...page.removedMemberIds]);
    expect(new Set(sentIds).size).toBe(sentIds.length);

    // The same from some version in the middle, with another page size: equal to what the largest page says.
    const middle = Math.floor(server.version / 2);
    const whole = await changes(bob, room.id, { since: middle, limit: 100 });
    expect(whole.hasMore).toBe(false);
    const fromMiddle: SyncState = { version: middle, messages: new Map(), members: new Map() };
    await syncPaged(bob, room.id, fromMiddle, 3);
    expect(stateOf(fromMiddle)).toEqual({
      version: whole.version,
      messages: [...whole.messages].sort((a, b) => a.seq - b.seq),
      members: [...whole.members].sort((a, b) => a.userId.localeCompare(b.userId)),
    });
  });

  it('brings a client that syncs page by page while the room keeps changing to exactly GET messages and members', async () => {
    const { room, ann, bob, others, sent } = await busyRoom();
    // Bob's client has the room as of an early version, built from the history routes.
    const early = await serverState(bob, room.id);
    const state: SyncState = { version: early.version, messages: new Map(early.messages.map((m) => [m.id, m])), members: new Map(early.members.map((m) => [m.userId, m])) };
    const later: MessageBody[] = [];
    for (let round = 0; round < 4; round++) later.push(...(await Promise.all([ann, ...others.slice(1)].map((person) => chat.send(person, room.id, `later ${round}`)))));
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: others[0].id }).expect(201);

    // Between pages: change rows already sent and rows not sent yet, add and remove members, send more.
    const churn = async (page: number) => {
      const who = others[1 + (page % 4)];
      if (page === 1) await t.http().patch(`${BASE}/rooms/${room.id}/messages/${later[0].id}`).set(ann.auth).send({ body: 'edited between pages' }).expect(200);
      if (page === 2) await t.http().delete(`${BASE}/rooms/${room.id}/messages/${later[later.length - 1].id}`).set(ann.auth).expect(204);
      if (page === 3) await t.http().delete(`${BASE}/rooms/${room.id}/members/${others[0].id}`).set(ann.auth).expect(204);
      if (page === 4) await t.http().put(`${BASE}/rooms/${room.id}/messages/${sent[5].id}/reactions/${encodeURIComponent('🎉')}`).set(bob.auth).expect(200);
      if (page <= 6) await chat.send(who, room.id, `between page ${page} and ${page + 1}`);
    };
    const pages = await syncPaged(bob, room.id, state, 5, churn);
    expect(pages.length).toBeGreaterThan(4);
    expect(synced(stateOf(state))).toEqual(synced(await serverState(bob, room.id)));
    expect(state.members.has(others[0].id)).toBe(false);
    expect([...state.messages.values()].find((m) => m.id === later[0].id)?.body).toBe('edited between pages');
  });

  it('refuses a page size out of range, a damaged cursor and a cursor sent with another since (400, nothing else changes)', async () => {
    const { room, bob } = await busyRoom();
    const path = `${BASE}/rooms/${room.id}/changes`;
    for (const query of [{ since: 0, limit: 0 }, { since: 0, limit: 101 }, { since: 0, limit: 'many' }, { since: 2 ** 31 }, { since: 0, cursor: 'not-a-cursor' }]) {
      const res = await t.http().get(path).query(query).set(bob.auth);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.message).toBeDefined();
    }
    const first = await changes(bob, room.id, { since: 0, limit: 3 });
    const wrongSince = await t.http().get(path).query({ since: first.version + 5, cursor: first.nextCursor }).set(bob.auth).expect(400);
    expect(wrongSince.body).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('cursor') });
    const forged = Buffer.from(JSON.stringify({ v: 1, k: 0, u: 'x'.repeat(300), s: 0 })).toString('base64url');
    await t.http().get(path).query({ since: 0, cursor: forged }).set(bob.auth).expect(400);
    const next = await changes(bob, room.id, { since: first.version, limit: 3, cursor: first.nextCursor as string });
    expect(next.members.map((m) => m.userId)).not.toEqual(first.members.map((m) => m.userId));
  });
});

describe('item 1: one user cannot fail the others\' sends (the writer isolates a failing message)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses only the send the database cannot store, and writes every other send of its batch', async () => {
    const chat = chatClient(t);
    const [mallory, ann] = [t.user('Mallory'), t.user('Ann')];
    const [malloryRoom, annRoom] = [await chat.group(mallory), await chat.group(ann)];
    const writer = t.app.get(MessageWriter);
    const message = (roomId: string, senderId: string, body: string, clientId: string | null = null) => ({ roomId, senderId, body, parentId: null, clientId, imageIds: [] });
    // The first send is written alone; everything sent while it is written forms the next batch, the NUL among them.
    const first = writer.write(message(annRoom.id, ann.id, 'first'));
    const bad = writer.write(message(malloryRoom.id, mallory.id, 'nul \u0000 inside', 'mallory-1'));
    const good = Array.from({ length: 10 }, (_, index) => writer.write(message(annRoom.id, ann.id, `ann ${index}`, `ann-${index}`)));
    await expect(bad).rejects.toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    const written = await Promise.all([first, ...good]);
    expect(written.map((result) => result.kind)).toEqual(Array(11).fill('created'));
    const list = await t.http().get(`${BASE}/rooms/${annRoom.id}/messages`).set(ann.auth).expect(200);
    // User messages only: the room's creation is a system message.
    expect(list.body.items.filter((m: { type: string }) => m.type === 'user')).toHaveLength(11);
  });
});

describe('item 2: nothing private reaches the log', () => {
  let t: TestApp;
  const logged: string[] = [];
  beforeAll(async () => {
    t = await startTestApp('postgres');
    for (const level of ['error', 'warn', 'log', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
        logged.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg, Object.getOwnPropertyNames(arg ?? {})))).join(' '));
      });
    }
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  it('logs a failed batch once, with counts and ids, never the bodies, clientIds or query parameters', async () => {
    const chat = chatClient(t);
    const [mallory, ann] = [t.user('Mallory'), t.user('Ann')];
    const [malloryRoom, annRoom] = [await chat.group(mallory), await chat.group(ann)];
    const writer = t.app.get(MessageWriter);
    const message = (roomId: string, senderId: string, body: string, clientId: string) => ({ roomId, senderId, body, parentId: null, clientId, imageIds: [] });
    const first = writer.write(message(annRoom.id, ann.id, 'first', 'private-client-0'));
    const bad = writer.write(message(malloryRoom.id, mallory.id, 'secret-body-of-mallory \u0000', 'private-client-m'));
    const good = Array.from({ length: 5 }, (_, index) => writer.write(message(annRoom.id, ann.id, `secret-body-of-ann-${index}`, `private-client-${index + 1}`)));
    await Promise.allSettled([first, bad, ...good]);
    const text = logged.join('\n');
    expect(text).toContain('Writing a batch of 6 messages failed');
    expect(text).not.toMatch(/secret-body|private-client|\$1|parameters/);
  });

  it('keeps credentials of query strings out of the request log', () => {
    const logged = redactRequestUrl({ url: '/socket.io/?EIO=4&transport=polling&token=eyJhbGciOi.secret&t=abc', query: { token: 'eyJhbGciOi.secret', t: 'abc' } });
    expect(logged.url).toBe('/socket.io/?EIO=4&transport=polling&token=[Redacted]&t=abc');
    expect(logged.query).toEqual({ token: '[Redacted]', t: 'abc' });
    expect(redactRequestUrl({ url: '/api/v1/chat/rooms?access_token=x' }).url).toBe('/api/v1/chat/rooms?access_token=[Redacted]');
  });

  it('answers an unexpected failure of a chat route with 500 INTERNAL and one line without what was sent', async () => {
    const ann = t.user('Ann');
    const room = await chatClient(t).group(ann);
    const dataSource = t.app.get(DataSource);
    // A fault of the database under the route: the table the route reads is gone for the length of this request.
    await dataSource.query(`ALTER TABLE chat_message_edits RENAME TO chat_message_edits_away`);
    try {
      const sent = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'secret-edit-body' }).expect(201);
      const before = logged.length;
      const response = await t.http().patch(`${BASE}/rooms/${room.id}/messages/${sent.body.id}`).set(ann.auth).send({ body: 'secret-new-body' }).expect(500);
      expect(response.body).toEqual({ statusCode: 500, message: 'Internal server error', error: 'Internal Server Error', code: 'INTERNAL' });
      const lines = logged.slice(before);
      expect(lines.join('\n')).toContain('failed: QueryFailedError (SQLSTATE 42P01');
      expect(lines.join('\n')).not.toMatch(/secret-|INSERT|parameters/);
    } finally {
      await dataSource.query(`ALTER TABLE chat_message_edits_away RENAME TO chat_message_edits`);
    }
  });
});

/** item 4: scrypt is spied on in the very module object the accounts service calls (`node:crypto` is not copied). */
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');

describe.each(DATABASES)('item 4: log-in does the same work whether the username exists (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs scrypt once, with the same parameters, for an unknown username as for a wrong password', async () => {
    const username = `timing-${randomUUID().slice(0, 8)}`;
    await t.http().post('/api/v1/auth/register').send({ username, password: 'correct horse battery' }).expect(201);
    const scrypt = jest.spyOn(nodeCrypto, 'scrypt');
    try {
      await t.http().post('/api/v1/auth/token').send({ username, password: 'wrong password' }).expect(401);
      const knownUser = scrypt.mock.calls.map(([, , keyLength, options]) => ({ keyLength, options }));
      scrypt.mockClear();
      const unknown = await t.http().post('/api/v1/auth/token').send({ username: `nobody-${randomUUID().slice(0, 8)}`, password: 'wrong password' }).expect(401);
      const unknownUser = scrypt.mock.calls.map(([, , keyLength, options]) => ({ keyLength, options }));
      expect(knownUser).toHaveLength(1);
      expect(unknownUser).toEqual(knownUser);
      expect(unknown.body.message).toBe('Wrong username or password');
    } finally {
      scrypt.mockRestore();
    }
  });
});

describe('item 5: no unauthenticated connection outside /chat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  const connectError = (namespace: string) =>
    new Promise<Error>((resolve, reject) => {
      const socket = io(`${t.url}${namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      socket.once('connect', () => {
        socket.disconnect();
        reject(new Error(`connected to ${namespace}`));
      });
      socket.once('connect_error', (error) => {
        socket.disconnect();
        resolve(error);
      });
    });

  it('refuses the default namespace / and an unknown one with connect_error; /chat still works', async () => {
    expect((await connectError('/')).message).toBe('Invalid namespace: the chat is served on /chat');
    expect((await connectError('/foo')).message).toBe('Invalid namespace');
    const chat = await connectSocket(t.url, t.user().token);
    expect(chat.connected).toBe(true);
  });

  it('closes the transport of a connection refused on / at once (it is not kept)', async () => {
    // The Manager alone opens the transport and sends the CONNECT of `/` by hand, so the client itself never closes it.
    const manager = new Manager(t.url, { transports: ['websocket'], reconnection: false, autoConnect: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
      const received: string[] = [];
      manager.engine.on('message', (data) => received.push(String(data)));
      const closed = new Promise<string>((resolve) => manager.on('close', (reason) => resolve(reason)));
      manager.engine.write('0'); // CONNECT, namespace `/`
      // Well before Socket.IO's connect timeout: the refusal is sent, then the server closes the transport.
      await expect(Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the transport was kept open')), 3000))])).resolves.toBe('transport close');
      expect(received).toEqual([expect.stringMatching(/^4\{"message":"Invalid namespace/)]);
    } finally {
      manager.engine?.close();
    }
  });
});

describe('item 6: an oversize upload is answered 413 and cut off while it streams', () => {
  const LIMIT = 1024 * 1024;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { images: { maxUploadBytes: LIMIT, maxPixels: 40_000_000 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Starts an upload whose body is produced for as long as it is read (up to `contentLength` when one is declared,
   * else forever, chunked) and resolves with the answer, the bytes the server had read when it answered, and the
   * server's side of the connection. Before the fix the server never answers: this fails once it has read 8× the limit.
   */
  async function oversizeUpload(contentLength?: number) {
    const ann = t.user();
    const server = t.app.getHttpServer() as Server;
    let serverSide: NetSocket | undefined;
    server.once('connection', (socket: NetSocket) => (serverSide = socket));
    const boundary = 'parley-oversize-upload';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    let sent = 0;
    const body = new Readable({
      read() {
        const size = contentLength === undefined ? 64 * 1024 : Math.min(64 * 1024, contentLength - sent);
        if (size <= 0) return void this.push(null);
        const next = sent === 0 ? Buffer.concat([head, Buffer.alloc(size - head.length, 0x61)]) : Buffer.alloc(size, 0x61);
        sent += next.length;
        this.push(next);
      },
    });
    const upload = httpRequest(`${t.url}${BASE}/images`, {
      method: 'POST',
      headers: {
        ...ann.auth,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        ...(contentLength === undefined ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(contentLength) }),
      },
    });
    const clientClosed = new Promise<void>((resolve) => upload.once('close', () => resolve()));
    upload.on('error', () => undefined); // the server closes the connection while the body is still being sent
    const response = new Promise<IncomingMessage>((resolve) => upload.once('response', resolve));
    body.pipe(upload);
    const tooMuch = eventually(() => {
      if ((serverSide?.bytesRead ?? 0) < 8 * LIMIT) throw new Error('still reading');
    }, 30_000, 20).then(() => {
      throw new Error(`no answer after the server read ${serverSide?.bytesRead} bytes`);
    });
    try {
      const res = await Promise.race([response, tooMuch]);
      const readWhenAnswered = serverSide!.bytesRead;
      const text = await new Promise<string>((resolve) => {
        let received = '';
        res.on('data', (part: Buffer) => (received += part.toString()));
        for (const end of ['end', 'aborted', 'error']) res.on(end, () => resolve(received));
      });
      await clientClosed;
      return { status: res.statusCode, body: JSON.parse(text) as unknown, readWhenAnswered, serverSide: serverSide!, sent: () => sent };
    } finally {
      body.destroy();
      upload.destroy();
    }
  }

  it('answers an endless chunked upload 413 before the server has read twice the limit, and closes the connection', async () => {
    const upload = await oversizeUpload();
    expect(upload.status).toBe(413);
    expect(upload.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `The file is larger than the upload limit of ${LIMIT} bytes` });
    expect(upload.readWhenAnswered).toBeLessThan(2 * LIMIT);
    // The server stops reading: it closed the connection while the client still had data to send.
    expect(upload.serverSide.destroyed).toBe(true);
    expect(upload.serverSide.bytesRead).toBeLessThan(2 * LIMIT);
    expect(upload.sent()).toBeGreaterThan(upload.serverSide.bytesRead);
  });

  it('answers 413 before reading the body when the Content-Length is over the limit', async () => {
    const upload = await oversizeUpload(20 * LIMIT);
    expect(upload.status).toBe(413);
    expect(upload.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(upload.readWhenAnswered).toBeLessThan(LIMIT / 4);
    expect(upload.serverSide.destroyed).toBe(true);
  });
});

describe('item 9: token policy', () => {
  const MAX_AGE = 600;
  let t: TestApp;
  const jwt = new JwtService({ secret: TEST_JWT_SECRET });
  const now = () => Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    t = await startTestApp('postgres', { jwt: { secret: TEST_JWT_SECRET, maxAgeSeconds: MAX_AGE }, tokenTtlSeconds: MAX_AGE });
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  /** Over HTTP and on a socket: the status, and the message on both. */
  async function outcome(token: string): Promise<{ http: number; message: string; socket: string }> {
    const res = await t.http().get(`${BASE}/rooms`).set('Authorization', `Bearer ${token}`);
    const socket = await connectSocket(t.url, token).then(
      (connected) => {
        connected.disconnect();
        return 'connected';
      },
      (error: Error) => error.message,
    );
    return { http: res.status, message: res.status === 200 ? 'ok' : res.body.message, socket };
  }

  it('with jwt.maxAgeSeconds (JWT_MAX_AGE_SECONDS), refuses tokens without exp or living longer, on HTTP and sockets alike', async () => {
    const sub = `u-${randomUUID()}`;
    // jsonwebtoken keeps a given iat, and adds none with noTimestamp.
    const sign = (payload: { iat?: number; exp?: number }) => jwt.sign({ sub, ...payload }, payload.iat === undefined ? { noTimestamp: true } : {});
    const noExpiry = 'The token has no expiry (`exp` claim)';
    const tooLong = `The token lives longer than the ${MAX_AGE} seconds allowed`;
    expect(await outcome(sign({ iat: now() }))).toEqual({ http: 401, message: noExpiry, socket: noExpiry });
    expect(await outcome(sign({ iat: now(), exp: now() + 3600 }))).toEqual({ http: 401, message: tooLong, socket: tooLong });
    // exp - iat counts, whenever the token was issued...
    expect(await outcome(sign({ iat: now() - 86_400, exp: now() + 60 }))).toEqual({ http: 401, message: tooLong, socket: tooLong });
    // ...and so does the remaining life: no iat, or an iat in the future, cannot stretch it.
    expect(await outcome(sign({ exp: now() + 3600 }))).toEqual({ http: 401, message: tooLong, socket: tooLong });
    expect(await outcome(sign({ iat: now() + 86_400, exp: now() + 86_400 + 60 }))).toEqual({ http: 401, message: tooLong, socket: tooLong });
    expect(await outcome(sign({ iat: now(), exp: now() + MAX_AGE }))).toEqual({ http: 200, message: 'ok', socket: 'connected' });
    expect(await outcome(sign({ exp: now() + 60 }))).toEqual({ http: 200, message: 'ok', socket: 'connected' });
  });

  it('refuses a handshake token larger than the HTTP header limit (16 KiB), as HTTP does', async () => {
    // A valid, signed, unexpired token that is merely too big.
    const big = jwt.sign({ sub: `u-${randomUUID()}`, name: 'x'.repeat(17 * 1024) }, { expiresIn: 60 });
    await expect(connectSocket(t.url, big)).rejects.toThrow('The token is too large');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${t.url}${BASE}/rooms`, { headers: { Authorization: `Bearer ${big}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    const fits = jwt.sign({ sub: `u-${randomUUID()}`, name: 'x'.repeat(1024) }, { expiresIn: 60 });
    expect((await connectSocket(t.url, fits)).connected).toBe(true);
  });
});

describe('item 10: sockets follow the HTTP origin rule', () => {
  afterEach(() => closeSockets());

  /** Whether a browser page of `origin` may open a socket, and whether it may read the HTTP API (CORS). */
  async function access(t: TestApp, origin: string): Promise<{ socket: string; http: boolean }> {
    const user = t.user();
    const socket = await connectSocket(t.url, user.token, { headers: { Origin: origin } }).then(
      () => 'connected',
      (error: Error) => error.message,
    );
    const res = await t.http().get(`${BASE}/rooms`).set(user.auth).set('Origin', origin).expect(200);
    return { socket, http: res.headers['access-control-allow-origin'] === origin || res.headers['access-control-allow-origin'] === '*' };
  }

  it('with CORS_ORIGINS unset: only the server\'s own origin (and clients without an Origin)', async () => {
    const t = await startTestApp('postgres', { corsOrigins: [] });
    try {
      expect(await access(t, 'https://evil.example')).toEqual({ socket: 'Origin https://evil.example is not allowed', http: false });
      // The page the server itself serves (the demo client) is same-origin: no CORS needed, and its socket connects.
      expect((await access(t, t.url)).socket).toBe('connected');
      expect((await connectSocket(t.url, t.user().token)).connected).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('with a list: those origins and the server\'s own; with *: any', async () => {
    const listed = await startTestApp('postgres', { corsOrigins: ['https://app.example'] });
    const any = await startTestApp('postgres', { corsOrigins: ['*'] });
    try {
      expect(await access(listed, 'https://app.example')).toEqual({ socket: 'connected', http: true });
      expect(await access(listed, 'https://evil.example')).toEqual({ socket: 'Origin https://evil.example is not allowed', http: false });
      expect((await access(listed, listed.url)).socket).toBe('connected');
      expect(await access(any, 'https://evil.example')).toEqual({ socket: 'connected', http: true });
    } finally {
      await listed.close();
      await any.close();
    }
  });
});

describe('item 11: deployments sharing one Redis are kept apart by REDIS_PREFIX', () => {
  let redis: TestRedis;
  const apps: TestApp[] = [];
  let [a1, a2, b1, b2] = [] as TestApp[];
  beforeAll(async () => {
    redis = new TestRedis(await freePort());
    await redis.start();
    const node = async (redisPrefix: string) => {
      const app = await startTestApp('postgres', { redisUrl: redis.url, redisPrefix, presenceExpirySeconds: 3 });
      apps.push(app);
      return app;
    };
    // Deployment A on two nodes, deployment B on two nodes: one Redis server, one database.
    [a1, a2, b1, b2] = [await node('deployment-a'), await node('deployment-a'), await node('deployment-b'), await node('deployment-b')];
  }, 60_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis?.stop();
  });

  it('fans events out to the nodes of the same prefix only', async () => {
    const chat = chatClient(a1);
    const [ann, bob] = [a1.user('Ann'), a1.user('Bob')];
    const onA2 = await connectSocket(a2.url, bob.token);
    const onB1 = await connectSocket(b1.url, bob.token);
    const leakedToB = record(onB1, 'message.created');
    const addedOnA2 = nextEvent(onA2, 'member.added');
    const room = await chat.group(ann, [bob]);
    await addedOnA2;
    const deliveredOnA2 = nextEvent(onA2, 'message.created', (event) => event.roomId === room.id);
    await chat.send(ann, room.id, 'for deployment A only');
    await deliveredOnA2;

    // A sentinel through B's own channels, published after A's message reached Redis: once B1 has it, anything
    // A had leaked to B's channels would have arrived before it.
    const bChat = chatClient(b2);
    const carol = b2.user('Carol');
    const sentinelRoom = await bChat.group(carol, [bob]);
    const sentinel = nextEvent(onB1, 'message.created', (event) => event.roomId === sentinelRoom.id);
    await bChat.send(carol, sentinelRoom.id, 'sentinel');
    await sentinel;
    expect(leakedToB.filter((event) => event.roomId === room.id)).toEqual([]);
  });

  it('keeps presence apart: a user online in deployment B is offline in A, online on every node of B', async () => {
    const [ann, dan] = [a1.user('Ann'), a1.user('Dan')];
    const roomInA = await chatClient(a1).group(ann, [dan]);
    await connectSocket(b1.url, dan.token);
    const presence = async (app: TestApp, viewer: TestUser) =>
      ((await app.http().get(`${BASE}/presence`).query({ userIds: dan.id }).set(viewer.auth).expect(200)).body as Array<{ online: boolean }>)[0]?.online;
    // B2 shares B1's Redis keys: Dan, connected to B1 only, is online there.
    const eve = b2.user('Eve');
    await chatClient(b2).group(eve, [dan]);
    await eventually(async () => expect(await presence(b2, eve)).toBe(true));
    // A uses the same Redis server, but not the same keys: Dan is offline on both of A's nodes.
    expect(roomInA.id).toEqual(expect.any(String));
    expect(await presence(a1, ann)).toBe(false);
    expect(await presence(a2, ann)).toBe(false);
  });
});

describe.each(DATABASES)('item 14: unknown users cannot be made members (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp(kind, { knownUsersOnly: true });
    chat = chatClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function account(): Promise<TestUser> {
    const username = `member-${randomUUID().slice(0, 8)}`;
    const res = await t.http().post('/api/v1/auth/register').send({ username, password: 'a long password' }).expect(201);
    const token = res.body.accessToken as string;
    return { id: res.body.user.id, name: username, token, auth: { Authorization: `Bearer ${token}` } };
  }

  it('with KNOWN_USERS_ONLY (resolveUsers from the accounts): 404 USER_NOT_FOUND for an id nobody knows, and nothing changes', async () => {
    const ann = t.user('Ann'); // signed in through a token only: the chat knows her from her requests
    const bob = await account();
    const stranger = `u-${randomUUID()}`;
    const roomsBefore = (await t.http().get(`${BASE}/rooms`).set(ann.auth).expect(200)).body.items.length;

    const refused = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'T', memberIds: [bob.id, stranger] }).expect(404);
    expect(refused.body).toEqual({ statusCode: 404, error: 'Not Found', code: 'USER_NOT_FOUND', message: `No user has the id ${stranger}` });
    await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [stranger] }).expect(404);
    expect((await t.http().get(`${BASE}/rooms`).set(ann.auth).expect(200)).body.items).toHaveLength(roomsBefore);

    // An account is known (named by its username); so is anybody who has used the chat.
    const room = await chat.group(ann, [bob]);
    const before = await chat.room(ann, room.id);
    const added = await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: stranger }).expect(404);
    expect(added.body).toMatchObject({ code: 'USER_NOT_FOUND' });
    expect((await chat.room(ann, room.id)).version).toBe(before.version);
    const members = (await t.http().get(`${BASE}/rooms/${room.id}/members`).set(ann.auth).expect(200)).body.items as Array<{ userId: string; name: string }>;
    expect(members.map((m) => m.userId).sort()).toEqual([ann.id, bob.id].sort());
    expect(members.find((m) => m.userId === bob.id)?.name).toBe(bob.name);

    const carol = t.user('Carol');
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: carol.id }).expect(404);
    await t.http().get(`${BASE}/rooms`).set(carol.auth).expect(200); // Carol signs in
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: carol.id }).expect(201);
    // The hook is asked inside the chat's own transactions (sync here): on the embedded database too, it answers.
    const changes = await t.http().get(`${BASE}/rooms/${room.id}/changes`).query({ since: 0 }).set(bob.auth).expect(200);
    expect((changes.body.members as Array<{ userId: string }>).map((m) => m.userId).sort()).toEqual([ann.id, bob.id, carol.id].sort());
  });

});

describe('item 14: without KNOWN_USERS_ONLY (no resolveUsers), any user id is accepted, as documented', () => {
  it('adds an id nobody has seen', async () => {
    const open = await startTestApp('postgres');
    try {
      await chatClient(open).group(open.user(), [open.user()]);
    } finally {
      await open.close();
    }
  });
});

/** An error body of the chat: 400 `INVALID_INPUT` (or another code) whose message names `field`. */
function expectRefusal(response: { status: number; body: { code?: string; message?: unknown } }, field: string | RegExp, code = 'INVALID_INPUT', status = 400): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(String(response.body.message)).toMatch(typeof field === 'string' ? new RegExp(`\\b${field}\\b`) : field);
}

/** The room's title, description and visibility, to show a refused change changed nothing. */
const editable = (room: { title: string; description: string; isPublic: boolean }) => ({ title: room.title, description: room.description, isPublic: room.isPublic });

describe.each(DATABASES)('item 1: control characters (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  let owner: TestUser;
  let member: TestUser;
  let room: { id: string; version: number };
  let message: MessageBody;
  beforeAll(async () => {
    t = await startTestApp(kind);
    chat = chatClient(t);
    owner = t.user('Owner');
    member = t.user('Member');
    room = await chat.group(owner, [member]);
    message = await chat.send(owner, room.id, 'first');
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  // NUL (PostgreSQL refuses it: a 500, and a failed batch for everybody), another C0 character, and DEL.
  const CONTROLS = ['\u0000', '\u001b', '\u007f'];

  it.each(CONTROLS.map((control) => [`U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, control]))('refuses %s in every text field and id of a body, with a message naming the field', async (_label, control) => {
    const bad = `a${control}b`;
    const R = `${BASE}/rooms/${room.id}`;
    const cases: Array<[field: string, method: 'post' | 'patch' | 'put', path: string, body: object]> = [
      ['body', 'post', `${R}/messages`, { body: bad }],
      ['clientId', 'post', `${R}/messages`, { body: 'ok', clientId: bad }],
      ['body', 'patch', `${R}/messages/${message.id}`, { body: bad }],
      ['body', 'put', `${R}/messages/${message.id}`, { body: bad }],
      ['title', 'post', `${BASE}/rooms`, { type: 'group', title: bad, memberIds: [] }],
      ['description', 'post', `${BASE}/rooms`, { type: 'group', title: 'ok', description: bad, memberIds: [] }],
      ['memberIds', 'post', `${BASE}/rooms`, { type: 'group', title: 'ok', memberIds: [bad] }],
      ['title', 'patch', R, { title: bad }],
      ['description', 'patch', R, { description: bad }],
      ['title', 'put', R, { title: bad }],
      ['description', 'put', R, { title: 'ok', description: bad }],
      ['userId', 'post', `${R}/members`, { userId: bad }],
    ];
    const before = await chat.room(owner, room.id);
    for (const [field, method, path, body] of cases) {
      const response = await t.http()[method](path).set(owner.auth).send(body);
      expectRefusal(response, field);
    }
    // Nothing changed: no room, message, member or edit was made.
    const after = await chat.room(owner, room.id);
    expect({ ...editable(after), version: after.version, memberCount: after.memberCount }).toEqual({ ...editable(before), version: before.version, memberCount: before.memberCount });
    expect((await chat.all<MessageBody>(owner, `${R}/messages`)).filter((m) => m.type === 'user').map((m) => m.body)).toEqual(['first']);
    const rooms = await chat.all<{ id: string }>(owner, `${BASE}/rooms`);
    expect(rooms.map((r) => r.id)).toEqual([room.id]);
  });

  it.each(CONTROLS.map((control) => [`U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, control]))('refuses %s in queries and path parameters', async (_label, control) => {
    const bad = `a${control}b`;
    const R = `${BASE}/rooms/${room.id}`;
    const member = encodeURIComponent(bad);
    expectRefusal(await t.http().get(`${R}/messages`).query({ q: bad }).set(owner.auth), 'q');
    expectRefusal(await t.http().get(`${R}/messages`).query({ senderId: bad }).set(owner.auth), 'senderId');
    expectRefusal(await t.http().get(`${BASE}/presence`).query({ userIds: `${owner.id},${bad}` }).set(owner.auth), 'userIds');
    expectRefusal(await t.http().get(`${R}/members/${member}`).set(owner.auth), 'userId');
    expectRefusal(await t.http().patch(`${R}/members/${member}`).set(owner.auth).send({ role: 'admin' }), 'userId');
    expectRefusal(await t.http().delete(`${R}/members/${member}`).set(owner.auth), 'userId');
    expectRefusal(await t.http().get(`${BASE}/rooms`).query({ cursor: bad }).set(owner.auth), 'cursor');
    // A reaction's emoji answers like any other invalid reaction (400 INVALID_REACTION, "Invalid reaction: ...").
    for (const method of ['put', 'delete'] as const) {
      const response = await t.http()[method](`${R}/messages/${message.id}/reactions/${encodeURIComponent(bad)}`).set(owner.auth);
      expectRefusal(response, /^Invalid reaction: emoji must not contain control characters/, 'INVALID_REACTION');
    }
    // The standalone server's local accounts and user search.
    expectRefusal(await t.http().post('/api/v1/auth/register').send({ username: 'user-c0', password: `password${control}` }), 'password');
    expectRefusal(await t.http().post('/api/v1/auth/token').send({ username: 'user-c0', password: `password${control}` }), 'password');
    expectRefusal(await t.http().post('/api/v1/auth/register').send({ username: `user${control}`, password: 'password' }), 'username');
    expectRefusal(await t.http().get('/api/v1/auth/users').query({ q: bad }).set(owner.auth), 'q');
    expect((await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM parley_accounts WHERE username_lower LIKE 'user%c0'`))[0].n).toBe(0);
  });

  it.each(CONTROLS.map((control) => [`U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, control]))('refuses %s in socket payloads, which use the same DTOs', async (_label, control) => {
    const socket = await connectSocket(t.url, owner.token);
    const bad = `a${control}b`;
    for (const [field, payload] of [
      ['body', { roomId: room.id, body: bad }],
      ['clientId', { roomId: room.id, body: 'ok', clientId: bad }],
    ] as const) {
      const ack = await ask(socket, 'message.send', payload);
      expect(ack).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_INPUT' } });
      expect(ack.error?.message).toMatch(new RegExp(`\\b${field}\\b`));
    }
    expect((await chat.all<MessageBody>(owner, `${BASE}/rooms/${room.id}/messages`)).filter((m) => m.type === 'user').map((m) => m.body)).toEqual(['first']);
  });

  it("refuses a token whose `sub` holds control characters (401), and drops them from a token's display name", async () => {
    for (const sub of ['a\u0000b', 'a\u001bb']) {
      const response = await t.http().get(`${BASE}/rooms`).set('Authorization', `Bearer ${tokenFor(sub)}`);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'The token has no valid `sub` claim' });
    }
    const id = `u-${randomUUID()}`;
    const named = { Authorization: `Bearer ${tokenFor(id, 'Ann\u0000\u001b[31m Smith\u007f')}` };
    const own = (await t.http().post(`${BASE}/rooms`).set(named).send({ type: 'group', title: 'Names', memberIds: [] }).expect(201)).body as { id: string };
    const members = (await t.http().get(`${BASE}/rooms/${own.id}/members`).set(named).expect(200)).body as { items: Array<{ userId: string; name: string }> };
    expect(members.items).toEqual([expect.objectContaining({ userId: id, name: 'Ann[31m Smith' })]);
  });

  it('keeps tab and line breaks (CR LF included) in text', async () => {
    const body = 'line 1\r\nline 2\n\tindented';
    const sent = await chat.send(member, room.id, body, { clientId: `c-${randomUUID()}` });
    expect(sent.body).toBe(body);
    const edited = await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ description: 'a\nb\tc' }).expect(200);
    expect(edited.body.description).toBe('a\nb\tc');
    await t.http().delete(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(member.auth).expect(204);
  });
});

describe.each(DATABASES)('item 7: bad input is a 400, never a 500 (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  let owner: TestUser;
  let member: TestUser;
  let room: { id: string; version: number };
  let message: MessageBody;
  beforeAll(async () => {
    t = await startTestApp(kind);
    chat = chatClient(t);
    owner = t.user('Owner');
    member = t.user('Member');
    room = await chat.group(owner, [member]);
    message = await chat.send(owner, room.id, 'first');
    await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/pin`).set(owner.auth).expect(200);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

  it('refuses integers outside their range (seqs, versions: 0..2^31-1), in queries, bodies and socket payloads', async () => {
    const R = `${BASE}/rooms/${room.id}`;
    for (const value of ['2147483648', '9007199254740993', '1e20', '-1', '1.5', 'x']) {
      for (const name of ['beforeSeq', 'afterSeq']) expectRefusal(await t.http().get(`${R}/messages`).query({ [name]: value }).set(owner.auth), name);
      expectRefusal(await t.http().get(`${R}/changes`).query({ since: value }).set(owner.auth), 'since');
      expectRefusal(await t.http().get(`${R}/messages`).query({ limit: value }).set(owner.auth), 'limit');
    }
    for (const seq of [2 ** 31, 1e20, -1, 1.5, '1', null]) {
      for (const route of ['read', 'delivered']) expectRefusal(await t.http().post(`${R}/${route}`).set(owner.auth).send({ seq }), 'seq');
    }
    const socket = await connectSocket(t.url, owner.token);
    for (const event of ['room.read', 'room.delivered']) {
      expect(await ask(socket, event, { roomId: room.id, seq: 2 ** 31 })).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_INPUT' } });
    }
    // The largest valid values still work.
    await t.http().get(`${R}/messages`).query({ beforeSeq: 2 ** 31 - 1, afterSeq: 0 }).set(owner.auth).expect(200);
    await t.http().get(`${R}/changes`).query({ since: 2 ** 31 - 1 }).set(owner.auth).expect(200);
  });

  it('refuses timestamps JavaScript cannot read or PostgreSQL cannot store (createdAfter, createdBefore)', async () => {
    for (const value of ['2020-W01', '20200101T000000Z', '0000-01-01T00:00:00Z', '2020-02-30T00:00:00Z', 'yesterday']) {
      for (const name of ['createdAfter', 'createdBefore']) expectRefusal(await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ [name]: value }).set(owner.auth), name);
    }
    await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ createdAfter: '0100-01-01T00:00:00Z', createdBefore: '9999-12-31T23:59:59.999Z' }).set(owner.auth).expect(200);
  });

  it('refuses forged and malformed cursors of every list with 400', async () => {
    const R = `${BASE}/rooms/${room.id}`;
    const forged: Array<[string, string]> = [
      [`${R}/messages`, cursor({ seq: 1e20 })],
      [`${R}/messages`, cursor({ seq: 2 ** 31 })],
      [`${R}/messages`, cursor({ seq: -1 })],
      [`${R}/messages`, cursor('1')],
      [`${R}/messages`, '1'],
      [`${R}/messages`, cursor([1])],
      [`${BASE}/rooms`, cursor({ at: '1', tie: room.id })],
      [`${BASE}/rooms`, cursor({ at: '2026-02-31T00:00:00.000000Z', tie: room.id })],
      [`${BASE}/rooms`, cursor({ at: '0000-01-01T00:00:00.000000Z', tie: room.id })],
      [`${BASE}/rooms`, cursor({ at: '2026-01-01T00:00:00.000000Z', tie: '-'.repeat(36) })],
      [`${BASE}/rooms`, '1'],
      [`${R}/pins`, cursor({ at: '2026-01-01T00:00:00.000000Z', tie: 1e20 })],
      [`${R}/pins`, cursor({ at: '2026-01-01T00:00:00.000000Z', tie: 1.5 })],
      [`${R}/members`, cursor({ userId: 'a\u0000b' })],
      [`${R}/members`, cursor({ userId: 'x'.repeat(300) })],
      [`${R}/messages/${message.id}/history`, cursor({ at: '1', tie: message.id })],
      [`${BASE}/images`, cursor({ at: 'x', tie: 'y' })],
    ];
    for (const [path, value] of forged) {
      const response = await t.http().get(path).query({ cursor: value }).set(owner.auth);
      expect({ path, value, status: response.status, body: response.body }).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT', message: 'cursor is not valid' } });
    }
  });

  it('refuses JSON nested 20,000 levels deep (HTTP and socket) with 400, before class-transformer recurses', async () => {
    const deepArray = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    for (const [path, json] of [
      [`${BASE}/rooms/${room.id}/messages`, `{"body":${deepArray}}`],
      [`${BASE}/rooms`, `{"type":"group","memberIds":[],"title":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`],
      ['/api/v1/auth/register', `{"username":"deep-user","password":${deepArray}}`],
    ]) {
      const response = await t.http().post(path).set(owner.auth).set('Content-Type', 'application/json').send(json);
      expectRefusal(response, /nested more than 32 levels/);
    }
    // 32 levels are fine as far as the shape goes (the field is still the wrong type).
    const shallow = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(owner.auth).send({ body: JSON.parse(`${'['.repeat(31)}${']'.repeat(31)}`) });
    expectRefusal(shallow, 'body');

    // Over the socket, as Socket.IO packets (a client library would overflow its own stack serialising it).
    const socket = await connectSocket(t.url, owner.token);
    const ack = rawAck(socket, 9001);
    rawEmit(socket, `2/chat,9001["message.send",{"roomId":"${room.id}","body":${deepArray}}]`);
    expect(await ack).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_INPUT' } });
    expect((await ask(socket, 'message.send', { roomId: room.id, body: 'still connected' })).ok).toBe(true);
  });

  it('refuses `DELETE .../reactions/%00` and a NUL emoji with 400', async () => {
    const path = `${BASE}/rooms/${room.id}/messages/${message.id}/reactions/%00`;
    expectRefusal(await t.http().delete(path).set(owner.auth), 'emoji', 'INVALID_REACTION');
    expectRefusal(await t.http().put(path).set(owner.auth), 'emoji', 'INVALID_REACTION');
  });

  it('refuses null for text and flag fields of a room (PATCH and PUT) with 400 and changes nothing', async () => {
    const before = await chat.room(owner, room.id);
    for (const body of [{ title: null }, { description: null }, { isPublic: null }, { title: 'x', description: null }]) {
      expect((await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send(body)).status).toBe(400);
      expect((await t.http().put(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ title: 'Replaced', ...body })).status).toBe(400);
    }
    expectRefusal(await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ title: null }), 'title');
    expectRefusal(await t.http().post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: t.user().id, role: null }), 'role');
    const after = await chat.room(owner, room.id);
    expect({ ...editable(after), version: after.version }).toEqual({ ...editable(before), version: before.version });
  });

  it('counts lengths in code points, as PostgreSQL does (150 "❤️" are 300 characters, not 150)', async () => {
    const heart = '❤️'; // U+2764 U+FE0F: two code points, one grapheme
    // Titles: varchar(200).
    expectRefusal(await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ title: heart.repeat(150) }), 'title');
    expectRefusal(await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: heart.repeat(101), memberIds: [] }), 'title');
    const fits = await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ title: heart.repeat(100) }).expect(200);
    expect(fits.body.title).toBe(heart.repeat(100));
    // clientId: varchar(100).
    expectRefusal(await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(owner.auth).send({ body: 'x', clientId: heart.repeat(51) }), 'clientId');
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(owner.auth).send({ body: 'x', clientId: heart.repeat(50) }).expect(201);
    // Member ids: varchar(255), in a new room's memberIds and when added.
    const longId = heart.repeat(128); // 256 code points
    expectRefusal(await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'x', memberIds: [longId] }), 'memberIds');
    expectRefusal(await t.http().post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: longId }), 'userId');
    expectRefusal(await t.http().get(`${BASE}/rooms/${room.id}/members/${encodeURIComponent(longId)}`).set(owner.auth), 'userId');
    expectRefusal(await t.http().get(`${BASE}/presence`).query({ userIds: longId }).set(owner.auth), 'userIds');
    const longestId = `${heart.repeat(127)}x`; // 255 code points
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: longestId }).expect(201);
    await t.http().get(`${BASE}/rooms/${room.id}/members/${encodeURIComponent(longestId)}`).set(owner.auth).expect(200);
    // Search text: 200.
    expectRefusal(await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ q: heart.repeat(101) }).set(owner.auth), 'q');
  });
});

// Its own apps: passport's strategies are per process, so an app started with a public key would take over the
// token checks of an app started before it. A matter of configuration, not of the database: PostgreSQL only.
describe('item 7: local accounts when tokens come from an identity provider', () => {
  const kind = 'postgres';
  it('refuses log-in and sign-up with 403 LOCAL_ACCOUNTS_DISABLED, creating nothing, when tokens come from an identity provider', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const jwt of [{ publicKey: pem }, { jwksUri: 'https://idp.example/.well-known/jwks.json' }]) {
      const idp = await startTestApp(kind, { jwt, usingDevelopmentSecret: false });
      try {
        const username = `idp-${randomUUID().slice(0, 8)}`;
        for (const route of ['register', 'token']) {
          const response = await idp.http().post(`/api/v1/auth/${route}`).send({ username, password: 'long enough' });
          expect(response.status).toBe(403);
          expect(response.body).toMatchObject({ statusCode: 403, code: 'LOCAL_ACCOUNTS_DISABLED', message: expect.stringMatching(/Local accounts are disabled/) });
        }
        const rows = await idp.app.get(DataSource).query(`SELECT count(*)::int AS n FROM parley_accounts WHERE username_lower = $1`, [username]);
        expect(rows[0].n).toBe(0);
      } finally {
        await idp.close();
      }
    }
  });

});

describe.each(DATABASES)('item 13: unknown fields are refused (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  let owner: TestUser;
  let room: { id: string; version: number };
  beforeAll(async () => {
    t = await startTestApp(kind);
    chat = chatClient(t);
    owner = t.user('Owner');
    room = await chat.group(owner, []);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  it('refuses any field in the body of mute and unmute (which take none), and changes nothing', async () => {
    for (const route of ['mute', 'unmute']) {
      for (const body of [{ muted: false }, { foo: 1 }, [1]]) {
        const response = await t.http().post(`${BASE}/rooms/${room.id}/${route}`).set(owner.auth).send(body);
        expect({ route, status: response.status, code: response.body.code }).toEqual({ route, status: 400, code: 'INVALID_INPUT' });
      }
      expect((await chat.room(owner, room.id)).me.muted).toBe(false);
    }
    // No body, or an empty object, is what they take.
    expect((await t.http().post(`${BASE}/rooms/${room.id}/mute`).set(owner.auth).expect(200)).body.me.muted).toBe(true);
    expect((await t.http().post(`${BASE}/rooms/${room.id}/unmute`).set(owner.auth).send({}).expect(200)).body.me.muted).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere in a JSON body, a query or a socket payload', async (key) => {
    const R = `${BASE}/rooms/${room.id}`;
    const bodies: Array<[string, 'post' | 'patch', string]> = [
      [`${R}/messages`, 'post', `{"body":"hello","${key}":{"isAdmin":true}}`],
      [`${R}/messages`, 'post', `{"body":"hello","imageIds":[],"x":[{"${key}":{}}]}`],
      [R, 'patch', `{"title":"renamed","${key}":{"title":"x"}}`],
      [`${BASE}/rooms`, 'post', `{"type":"group","memberIds":[],"title":"new","${key}":{"type":"direct"}}`],
      ['/api/v1/auth/register', 'post', `{"username":"proto-user","password":"long enough","${key}":{"admin":true}}`],
    ];
    for (const [path, method, json] of bodies) {
      const response = await t.http()[method](path).set(owner.auth).set('Content-Type', 'application/json').send(json);
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status: 400, code: 'INVALID_INPUT' });
      if (json.includes(`"${key}":{`) && !json.includes('"x"')) expect(String(response.body.message)).toContain(key);
    }
    const query = await t.http().get(`${R}/messages`).query(`${key}=1`).set(owner.auth);
    expect({ status: query.status, code: query.body.code }).toEqual({ status: 400, code: 'INVALID_INPUT' });

    const socket = await connectSocket(t.url, owner.token);
    const ack = await ask(socket, 'message.send', JSON.parse(`{"roomId":"${room.id}","body":"hello","${key}":{"isAdmin":true}}`));
    expect(ack).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_INPUT' } });

    // Nothing was created, renamed or polluted.
    // No user message (the room's creation is a system message).
    expect((await chat.all<MessageBody>(owner, `${R}/messages`)).filter((m) => m.type === 'user')).toEqual([]);
    expect((await chat.room(owner, room.id)).title).toBe('Team');
    expect((await chat.all(owner, `${BASE}/rooms`)).length).toBe(1);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('items 7 and 13 in a host app (the library alone, without the standalone server in front)', () => {
  let app: INestApplication;
  let auth: { Authorization: string };
  let roomId: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const url = process.env.PARLEY_TEST_DATABASE_URL as string;
    app = await bootstrapHost(ForRootHostModule.forRoot(url));
    await app.listen(0, '127.0.0.1');
    const token = newApiToken();
    await app.get(DataSource).getRepository(ForRootUser).insert({ id: `host-${randomUUID()}`, displayName: 'Ann', apiTokenHash: hashApiToken(token), isGuest: false });
    auth = { Authorization: `Bearer ${token}` };
    roomId = (await http().post(`${BASE}/rooms`).set(auth).send({ type: 'group', title: 'Host', memberIds: [] }).expect(201)).body.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  it("refuses deep JSON, forbidden keys and control characters through the chat's own validation pipe", async () => {
    const send = (json: string) => http().post(`${BASE}/rooms/${roomId}/messages`).set(auth).set('Content-Type', 'application/json').send(json);
    expectRefusal(await send(`{"body":${'['.repeat(20_000)}${']'.repeat(20_000)}}`), /nested more than 32 levels/);
    expectRefusal(await send('{"body":"x","__proto__":{"a":1}}'), /"__proto__" is not allowed/);
    expectRefusal(await send('{"body":"x","constructor":{"a":1}}'), /"constructor" is not allowed/);
    expectRefusal(await send('{"body":"a\\u0000b"}'), 'body');
    expectRefusal(await http().post(`${BASE}/rooms/${roomId}/mute`).set(auth).send({ foo: 1 }), 'foo');
    // No user message (the room's creation is a system message).
    expect((await http().get(`${BASE}/rooms/${roomId}/messages`).set(auth).expect(200)).body.items.filter((m: { type: string }) => m.type === 'user')).toEqual([]);
  });
});

/** Writes a raw Socket.IO packet (`2/chat,<id>[event, payload]`) on the socket's connection, for payloads the client library cannot serialise. */
function rawEmit(socket: ChatClient, packet: string): void {
  (socket.io as unknown as { engine: { write: (data: string) => void } }).engine.write(packet);
}

/** The acknowledgement of a raw packet with id `id`, read from the connection's incoming packets. */
function rawAck(socket: ChatClient, id: number): Promise<unknown> {
  const engine = (socket.io as unknown as { engine: { on: (event: 'packet', listener: (packet: { data?: unknown }) => void) => void; off: (event: 'packet', listener: (packet: { data?: unknown }) => void) => void } }).engine;
  const prefix = `3/chat,${id}`;
  return new Promise((resolve) => {
    const listener = (packet: { data?: unknown }) => {
      if (typeof packet.data !== 'string' || !packet.data.startsWith(prefix)) return;
      engine.off('packet', listener);
      resolve((JSON.parse(packet.data.slice(prefix.length)) as unknown[])[0]);
    };
    engine.on('packet', listener);
  });
}

// Items 3 and 8.

/** A limit of `burst` whose window lasts 400 s: nothing in a test outlives it, so no test depends on the clock. */
const perWindow = (burst: number): ChatRateLimit => ({ burst, perSecond: burst / 400 });

/** The 429 of a per-user limit: code, message, and a retry time from the 400 s window. */
function expectRateLimited(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, message: string): void {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringContaining(message) });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(380);
  expect(retryAfter).toBeLessThanOrEqual(400);
  expect(response.body.retryAfterSeconds).toBe(retryAfter);
}

/**
 * A redis-server of one test's own, killed (SIGKILL, by its pid) under a running server. Readiness is probed with a
 * raw PING on a socket destroyed right after, so no client of the test outlives it.
 */
async function startRedis(): Promise<{ url: string; kill: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await eventually(
    () =>
      new Promise<void>((ready, notYet) => {
        const probe = netConnect(port, '127.0.0.1');
        probe.setTimeout(500, () => probe.destroy(new Error('no answer')));
        probe.once('connect', () => probe.write('PING\r\n'));
        probe.once('data', (reply) => {
          probe.destroy();
          if (reply.toString().startsWith('+PONG')) ready();
          else notYet(new Error(reply.toString()));
        });
        probe.once('error', notYet);
      }),
    10_000,
    100,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A refused socket handshake: its connect_error's `data.statusCode`. */
async function refusedHandshake(connecting: Promise<ChatClient>): Promise<{ statusCode?: number; message: string }> {
  try {
    await connecting;
  } catch (error) {
    return { statusCode: (error as { data?: { statusCode?: number } }).data?.statusCode, message: (error as Error).message };
  }
  throw new Error('The handshake was accepted');
}

describe.each(DATABASES)('item 3: per-user rate limits (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  const botId = `bot-${randomUUID()}`;
  const bot: TestUser = { id: botId, name: 'Bot', token: tokenFor(botId, 'Bot'), auth: { Authorization: `Bearer ${tokenFor(botId, 'Bot')}` } };
  beforeAll(async () => {
    t = await startTestApp(kind, {
      rateLimits: { messages: perWindow(4), rooms: perWindow(3), memberAdds: perWindow(2), uploads: perWindow(1), reactions: perWindow(2), socketsPerUser: 3 },
      rateLimitExemptUsers: [botId],
      maxInitialMembers: 4,
    });
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  const post = (user: TestUser, roomId: string, body: string) => t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send({ body });

  it('counts HTTP and socket sends of one user, on all their sockets, against one bucket: then 429 RATE_LIMITED with Retry-After / retryAfterSeconds', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob]);
    const [tab1, tab2] = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, ann.token)]);
    await post(ann, room.id, 'http 1').expect(201);
    expect((await ask(tab1, 'message.send', { roomId: room.id, body: 'tab 1' })).ok).toBe(true);
    expect((await ask(tab2, 'message.send', { roomId: room.id, body: 'tab 2' })).ok).toBe(true);
    await post(ann, room.id, 'http 2').expect(201);

    expectRateLimited(await post(ann, room.id, 'one too many'), 'Too many messages');
    const refused = await ask(tab1, 'message.send', { roomId: room.id, body: 'one too many, by socket' });
    expect(refused).toMatchObject({ ok: false, error: { statusCode: 429, code: 'RATE_LIMITED', message: expect.stringContaining('Too many messages') } });
    const retryAfterSeconds = (refused.error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 0;
    expect(retryAfterSeconds).toBeGreaterThan(380);
    expect(retryAfterSeconds).toBeLessThanOrEqual(400);
    expect((await ask(tab2, 'message.send', { roomId: room.id, body: 'nor on the other tab' })).error?.statusCode).toBe(429);

    // Only sends are limited per user, only this user, and nothing refused was stored.
    expect((await ask(tab2, 'typing', { roomId: room.id, isTyping: true })).ok).toBe(true);
    await post(bob, room.id, 'bob is not limited by ann').expect(201);
    const bodies = (await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).expect(200)).body.items
      .filter((message: { type: string }) => message.type === 'user')
      .map((message: { body: string }) => message.body);
    expect(bodies.sort()).toEqual(['bob is not limited by ann', 'http 1', 'http 2', 'tab 1', 'tab 2']);
  });

  it('limits room creation, member adds and joins, uploads and reactions per user, each in its own bucket', async () => {
    const [carl, dave, erin, frank, gina] = [t.user('Carl'), t.user('Dave'), t.user('Erin'), t.user('Frank'), t.user('Gina')];
    const rooms: Array<{ id: string }> = [];
    for (let i = 0; i < 3; i++) rooms.push(await chat.group(carl, [], { isPublic: true, title: `Room ${i}` }));
    expectRateLimited(await t.http().post(`${BASE}/rooms`).set(carl.auth).send({ type: 'group', title: 'One too many', memberIds: [] }), 'Too many rooms created');
    expect((await t.http().get(`${BASE}/rooms`).set(carl.auth).expect(200)).body.items).toHaveLength(3);

    const add = (userId: string) => t.http().post(`${BASE}/rooms/${rooms[0].id}/members`).set(carl.auth).send({ userId });
    await add(dave.id).expect(201);
    await add(erin.id).expect(201);
    expectRateLimited(await add(frank.id), 'Too many members added');
    const members = (await t.http().get(`${BASE}/rooms/${rooms[0].id}/members`).set(carl.auth).expect(200)).body.items.map((member: { userId: string }) => member.userId);
    expect(members.sort()).toEqual([carl.id, dave.id, erin.id].sort());

    await t.http().post(`${BASE}/rooms/${rooms[0].id}/join`).set(gina.auth).expect(200);
    await t.http().post(`${BASE}/rooms/${rooms[1].id}/join`).set(gina.auth).expect(200);
    expectRateLimited(await t.http().post(`${BASE}/rooms/${rooms[2].id}/join`).set(gina.auth), 'Too many members added');

    const image = await pngImage();
    await t.http().post(`${BASE}/images`).set(carl.auth).attach('file', image, { filename: 'a.png', contentType: 'image/png' }).expect(201);
    expectRateLimited(await t.http().post(`${BASE}/images`).set(carl.auth).attach('file', image, { filename: 'b.png', contentType: 'image/png' }), 'Too many uploads');
    expect((await t.http().get(`${BASE}/images`).set(carl.auth).expect(200)).body.items).toHaveLength(1);

    const message = await chat.send(carl, rooms[0].id, 'react to me');
    const reaction = (emoji: string) => `${BASE}/rooms/${rooms[0].id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
    await t.http().put(reaction('👍')).set(carl.auth).expect(200);
    await t.http().delete(reaction('👍')).set(carl.auth).expect(200);
    expectRateLimited(await t.http().put(reaction('🎉')).set(carl.auth), 'Too many reactions');
    // Each kind has its own bucket: messages still go.
    await chat.send(carl, rooms[0].id, 'still sending');
  });

  it('creates a room with at most MAX_INITIAL_MEMBERS members per request (400, nothing created)', async () => {
    const owner = t.user('Owner');
    const others = [t.user(), t.user(), t.user(), t.user()];
    const refused = await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Too big', memberIds: others.map((u) => u.id) }).expect(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('at most 4 members') });
    expect((await t.http().get(`${BASE}/rooms`).set(owner.auth).expect(200)).body.items).toHaveLength(0);
    await chat.group(owner, others.slice(0, 3));
  });

  it('holds a user to socketsPerUser sockets, even when the handshakes come at once: the others get connect_error 429', async () => {
    const [hank, ivy] = [t.user('Hank'), t.user('Ivy')];
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => connectSocket(t.url, hank.token)));
    const accepted = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    expect(accepted).toHaveLength(3);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') {
        expect((attempt.reason as { data?: { statusCode?: number } }).data?.statusCode).toBe(429);
        expect((attempt.reason as Error).message).toContain('at most 3 sockets');
      }
    }
    expect(await refusedHandshake(connectSocket(t.url, hank.token))).toMatchObject({ statusCode: 429 });
    // Another user is not affected; a closed socket frees its place (once the server has seen it go).
    expect((await connectSocket(t.url, ivy.token)).connected).toBe(true);
    accepted[0].disconnect();
    let again: ChatClient | undefined;
    await eventually(async () => {
      again = await connectSocket(t.url, hank.token);
    });
    expect(again?.connected).toBe(true);
    expect(await refusedHandshake(connectSocket(t.url, hank.token))).toMatchObject({ statusCode: 429 });
  });

  it('lifts the limits for the users the host names (RATE_LIMIT_EXEMPT_USERS: bots)', async () => {
    const room = await chat.group(bot);
    for (let i = 0; i < 8; i++) await post(bot, room.id, `bot ${i}`).expect(201);
    const sockets = await Promise.all(Array.from({ length: 5 }, () => connectSocket(t.url, bot.token)));
    for (const socket of sockets) expect((await ask(socket, 'message.send', { roomId: room.id, body: 'bot by socket' })).ok).toBe(true);
  });

  it('reads the limits from the environment', () => {
    const config = loadConfig({ RATE_LIMIT_MESSAGES: '30:7.5', RATE_LIMIT_UPLOADS: 'off', MAX_SOCKETS_PER_USER: '12', RATE_LIMIT_EXEMPT_USERS: 'bot-1, bot-2' });
    expect(config.rateLimits).toEqual({ messages: { burst: 30, perSecond: 7.5 }, uploads: false, socketsPerUser: 12 });
    expect(config.rateLimitExemptUsers).toEqual(['bot-1', 'bot-2']);
    expect(loadConfig({}).rateLimits).toEqual({});
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits).toEqual({ messages: false, rooms: false, memberAdds: false, uploads: false, reactions: false, socketsPerUser: false });
    expect(() => loadConfig({ RATE_LIMIT_ROOMS: '10' })).toThrow('RATE_LIMIT_ROOMS must be <burst>:<per second>');
    expect(() => loadConfig({ RATE_LIMIT_ROOMS: '0:1' })).toThrow('RATE_LIMIT_ROOMS');
    expect(() => loadConfig({ MAX_INITIAL_MEMBERS: '501' })).toThrow('MAX_INITIAL_MEMBERS must be at most 500');
  });
});

describe('item 3: limits shared through Redis by every node, and a Redis outage fails open', () => {
  let redis: TestRedis;
  let node1: TestApp;
  let node2: TestApp;
  beforeAll(async () => {
    redis = new TestRedis(await freePort());
    await redis.start();
    const overrides = { redisUrl: redis.url, rateLimits: { messages: perWindow(4), socketsPerUser: 2 } };
    node1 = await startTestApp('postgres', overrides);
    node2 = await startTestApp('postgres', overrides);
  }, 60_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await node1?.close();
    await node2?.close();
    await redis?.stop();
  });

  it('counts one user’s sends on every node, HTTP and socket, against one bucket', async () => {
    const ann = node1.user('Ann');
    const room = await chatClient(node1).group(ann);
    const send = (node: TestApp, body: string) => node.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body });
    await send(node1, 'node 1').expect(201);
    await send(node2, 'node 2').expect(201);
    const onNode2 = await connectSocket(node2.url, ann.token);
    expect((await ask(onNode2, 'message.send', { roomId: room.id, body: 'socket on node 2' })).ok).toBe(true);
    await send(node1, 'node 1 again').expect(201);
    expectRateLimited(await send(node2, 'one too many'), 'Too many messages');
    expectRateLimited(await send(node1, 'one too many'), 'Too many messages');
    expect((await ask(onNode2, 'message.send', { roomId: room.id, body: 'one too many' })).error).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  });

  it('counts one user’s sockets on every node', async () => {
    const bob = node1.user('Bob');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await connectSocket(node1.url, bob.token);
      await connectSocket(node2.url, bob.token);
      // Both are registered in the shared presence before the third handshake.
      await eventually(async () => expect(await client.hLen(`parley:presence:user:${bob.id}`)).toBe(2));
      expect(await refusedHandshake(connectSocket(node1.url, bob.token))).toMatchObject({ statusCode: 429 });
      expect(await refusedHandshake(connectSocket(node2.url, bob.token))).toMatchObject({ statusCode: 429 });
    } finally {
      await client.close();
    }
  });

  it('keeps answering when Redis goes away: hits are counted in memory meanwhile (one warning), so the limits still hold', async () => {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    // A server process and a Redis of this test's own: Redis is killed under the running server.
    const ownRedis = await startRedis();
    const server = await ServerNode.start({
      DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string,
      REDIS_URL: ownRedis.url,
      RATE_LIMITS: 'on',
      RATE_LIMIT_MESSAGES: '4:0.01',
    });
    try {
      const auth = { Authorization: `Bearer ${tokenFor(`u-cleo-${randomUUID()}`, 'Cleo')}` };
      const room = (await request(server.url).post(`${BASE}/rooms`).set(auth).send({ type: 'group', title: 'Outage', memberIds: [] }).expect(201)).body as { id: string };
      const send = (body: string) => request(server.url).post(`${BASE}/rooms/${room.id}/messages`).set(auth).send({ body });
      await send('before the outage').expect(201);
      await ownRedis.kill();
      // Redis is gone: this node counts afresh in memory, at the same limit, and answers at once.
      for (let i = 0; i < 4; i++) await send(`during the outage ${i}`).expect(201);
      expectRateLimited(await send('one too many'), 'Too many messages');
      await request(server.url).get(`${BASE}/rooms/${room.id}`).set(auth).expect(200);
      expect(server.output.join('').match(/The rate-limit storage failed/g)).toHaveLength(1);
      // That the node outlives the outage itself (the adapter's publishes timing out) is the fault suite's
      // test/faults/redis-outage.fault-spec.ts.
      expect(server.process.exitCode).toBeNull();
    } finally {
      await server.stop('SIGKILL');
      await ownRedis.kill();
    }
  }, 60_000);
});

describe('item 8: TRUST_PROXY', () => {
  let behindProxy: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    // The tests reach the servers from 127.0.0.1: as the proxy's address, it is trusted with `loopback`.
    behindProxy = await startTestApp('postgres', { authRateLimit: 2, trustProxy: 'loopback' });
    direct = await startTestApp('postgres', { authRateLimit: 2 });
  });
  afterAll(async () => {
    await behindProxy?.close();
    await direct?.close();
  });

  const logIn = (app: TestApp, clientAddress: string) =>
    app.http().post('/api/v1/auth/token').set('X-Forwarded-For', clientAddress).send({ username: `nobody${randomUUID().slice(0, 8)}`, password: 'not the password' });

  it('behind a trusted proxy, clients with different X-Forwarded-For addresses have their own log-in limits', async () => {
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(401);
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(401);
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(429);
    expect((await logIn(behindProxy, '203.0.113.20')).status).toBe(401);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: every client behind the proxy shares one limit', async () => {
    expect((await logIn(direct, '203.0.113.10')).status).toBe(401);
    expect((await logIn(direct, '203.0.113.10')).status).toBe(401);
    expect((await logIn(direct, '203.0.113.20')).status).toBe(429);
  });

  it('takes TRUST_PROXY as Express does: true/false, a number of hops, addresses and subnets', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.168.1.1, 172.16.0.0/255.240.0.0' }).trustProxy).toBe(
      'loopback,10.0.0.0/8,fd00::/8,192.168.1.1,172.16.0.0/255.240.0.0',
    );
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow('TRUST_PROXY must be');
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow('not understood: 10.0.0.0/33');
  });
});
