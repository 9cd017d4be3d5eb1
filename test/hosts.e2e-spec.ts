import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { hashApiToken, newApiToken } from './fixtures/hosts/api-tokens';
import { AsyncClassHostModule } from './fixtures/hosts/async-class/async-class-host.module';
import { AsyncClassUser } from './fixtures/hosts/async-class/async-class-user.entity';
import { AsyncFactoryHostModule } from './fixtures/hosts/async-factory/async-factory-host.module';
import { AsyncFactoryUser } from './fixtures/hosts/async-factory/async-factory-user.entity';
import { bootstrapHost } from './fixtures/hosts/bootstrap-host';
import { ForRootHostModule } from './fixtures/hosts/for-root/for-root-host.module';
import { ForRootUser } from './fixtures/hosts/for-root/for-root-user.entity';
import { ask, closeSockets, connectSocket, nextEvent } from './support/sockets';

const BASE = '/api/v1/chat';

interface HostVariant {
  name: string;
  module: (databaseUrl: string) => object;
  users: EntityTarget<ObjectLiteral>;
  /** The host's users table, which its own migration creates. */
  table: string;
}

/** One small host app per way of configuring the module (test/fixtures/hosts), each with its own users table. */
const VARIANTS: HostVariant[] = [
  { name: 'ChatModule.forRoot', module: (url) => ForRootHostModule.forRoot(url), users: ForRootUser, table: 'host_for_root_users' },
  {
    name: 'ChatModule.forRootAsync (useFactory + inject ConfigService)',
    module: (url) => AsyncFactoryHostModule.forRoot({ DATABASE_URL: url, CHAT_MAX_MESSAGE_LENGTH: 50 }),
    users: AsyncFactoryUser,
    table: 'host_async_factory_users',
  },
  { name: 'ChatModule.forRootAsync (useClass)', module: (url) => AsyncClassHostModule.forRoot(url), users: AsyncClassUser, table: 'host_async_class_users' },
];

interface HostUser {
  id: string;
  name: string;
  token: string;
  auth: { Authorization: string };
}

function databaseUrl(): string {
  const url = process.env.PARLEY_TEST_DATABASE_URL;
  if (!url) throw new Error('PARLEY_TEST_DATABASE_URL is not set: run the tests through jest (its global setup creates the database)');
  return url;
}

describe.each(VARIANTS)('host app: $name', (variant) => {
  let app: INestApplication;
  let url: string;
  const http = () => request(app.getHttpServer());

  /** A user in the host's own table, with an opaque API token the host's `authenticate` hook looks up. */
  async function hostUser(name: string, isGuest = false): Promise<HostUser> {
    const id = `host-${randomUUID()}`;
    const token = newApiToken();
    await app.get(DataSource).getRepository(variant.users).insert({ id, displayName: name, apiTokenHash: hashApiToken(token), isGuest });
    return { id, name, token, auth: { Authorization: `Bearer ${token}` } };
  }

  beforeAll(async () => {
    app = await bootstrapHost(variant.module(databaseUrl()));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await app?.close();
  });

  it("creates its users table with its own migration, beside the chat's tables", async () => {
    const tables = (await app.get(DataSource).query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ($1, 'chat_rooms')`, [variant.table])) as Array<{ table_name: string }>;
    expect(tables.map((row) => row.table_name).sort()).toEqual([variant.table, 'chat_rooms'].sort());
  });

  it('creates a room over REST, sends a message, and delivers it over Socket.IO', async () => {
    const [ann, bob] = [await hostUser('Ann'), await hostUser('Bob')];
    const room = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Host room', memberIds: [bob.id] }).expect(201)).body as { id: string; creatorId: string };
    expect(room.creatorId).toBe(ann.id);

    const socket = await connectSocket(url, bob.token);
    const delivered = nextEvent(socket, 'message.created', (event) => event.roomId === room.id);
    await http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'Hello from the host' }).expect(201);
    expect((await delivered).message).toMatchObject({ senderId: ann.id, body: 'Hello from the host' });

    const reply = await ask(socket, 'message.send', { roomId: room.id, body: 'And back over the socket' });
    expect(reply).toMatchObject({ ok: true, data: { senderId: bob.id, body: 'And back over the socket' } });
  });

  it("names members from the host's users table (resolveUsers)", async () => {
    const [ann, bob] = [await hostUser('Ann Host'), await hostUser('Bob Host')];
    const room = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Names', memberIds: [bob.id] }).expect(201)).body as { id: string };
    const members = (await http().get(`${BASE}/rooms/${room.id}/members`).set(ann.auth).expect(200)).body as { items: Array<{ userId: string; name: string | null }> };
    expect(Object.fromEntries(members.items.map((member) => [member.userId, member.name]))).toEqual({ [ann.id]: 'Ann Host', [bob.id]: 'Bob Host' });
    const direct = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body as { title: string };
    expect(direct.title).toBe('Bob Host');
  });

  it('refuses tokens the host does not know, on REST (passport strategy parley-host) and on the socket', async () => {
    const refused = await http().get(`${BASE}/rooms`).set('Authorization', 'Bearer tok_unknown').expect(401);
    expect(refused.body).toEqual({ statusCode: 401, message: 'The token was refused', error: 'Unauthorized', code: 'UNAUTHENTICATED' });
    const missing = await http().get(`${BASE}/rooms`).expect(401);
    expect(missing.body).toEqual({ statusCode: 401, message: 'A bearer token is required', error: 'Unauthorized', code: 'UNAUTHENTICATED' });
    await expect(connectSocket(url, 'tok_unknown')).rejects.toThrow('The token was refused');
  });

  if (variant.users === ForRootUser) {
    it("applies the host's access policy (canAccessRoom): guests never see public rooms", async () => {
      const [ann, bob, guest] = [await hostUser('Ann'), await hostUser('Bob'), await hostUser('Guest', true)];
      const room = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Open', isPublic: true, memberIds: [] }).expect(201)).body as { id: string };
      await http().get(`${BASE}/rooms/${room.id}`).set(bob.auth).expect(200);
      await http().get(`${BASE}/rooms/${room.id}`).set(guest.auth).expect(404);
      const listed = (await http().get(`${BASE}/rooms`).query({ scope: 'public', limit: 100 }).set(guest.auth).expect(200)).body as { items: Array<{ id: string }> };
      expect(listed.items.map((item) => item.id)).not.toContain(room.id);
    });
  }

  if (variant.users === AsyncFactoryUser) {
    it('takes its limits from the ConfigService', async () => {
      const ann = await hostUser('Ann');
      const room = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Short', memberIds: [] }).expect(201)).body as { id: string };
      await http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'x'.repeat(50) }).expect(201);
      await http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'x'.repeat(51) }).expect(400);
    });
  }

  if (variant.users === AsyncClassUser) {
    it("moderates messages with the host's beforeMessageSend (reject or rewrite)", async () => {
      const [ann, guest] = [await hostUser('Ann'), await hostUser('Guest', true)];
      const room = (await http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Moderated', memberIds: [guest.id] }).expect(201)).body as { id: string };
      const rejected = await http().post(`${BASE}/rooms/${room.id}/messages`).set(guest.auth).send({ body: 'see https://example.com' }).expect(403);
      expect(rejected.body.message).toBe('Guests may not post links');
      const rewritten = await http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'darn it' }).expect(201);
      expect(rewritten.body.body).toBe('**** it');
      await http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'see https://example.com' }).expect(201);
    });
  }
});
