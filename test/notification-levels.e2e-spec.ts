import { randomBytes } from 'node:crypto';
import { chatMigrations } from '@parley/chat';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { BASE, chatClient } from './support/chat-client';
import { POSTGRES_ADMIN_URL, databaseUrl } from './support/services';
import { startTestApp, type TestApp, type TestUser } from './support/test-app';

describe('notification levels (postgres)', () => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    chat = chatClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const put = (user: TestUser, roomId: string, body: unknown) => t.http().put(`${BASE}/rooms/${roomId}/notifications`).set(user.auth).send(body as object);
  const memberOf = async (viewer: TestUser, roomId: string, userId: string) =>
    (await t.http().get(`${BASE}/rooms/${roomId}/members/${userId}`).set(viewer.auth).expect(200)).body as { muted: boolean };

  it('starts at level all, not muted, in group and direct rooms', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const group = await chat.group(ann, [bob]);
    const direct = (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body;
    for (const [user, roomId] of [[ann, group.id], [bob, group.id], [ann, direct.id], [bob, direct.id]] as const) {
      expect((await chat.room(user, roomId)).me).toMatchObject({ muted: false, notifications: { level: 'all', mutedUntil: null }, unreadMentionCount: 0 });
    }
    expect(direct.me).toMatchObject({ notifications: { level: 'all', mutedUntil: null } });
  });

  it('sets the level and mutedUntil of the caller only, and answers the Room', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const mentions = await put(bob, room.id, { level: 'mentions' }).expect(200);
    expect(mentions.body).toMatchObject({ id: room.id, me: { role: 'member', muted: false, notifications: { level: 'mentions', mutedUntil: null } } });
    expect((await chat.room(bob, room.id)).me.notifications).toEqual({ level: 'mentions', mutedUntil: null });
    expect((await chat.room(ann, room.id)).me.notifications).toEqual({ level: 'all', mutedUntil: null });

    const none = await put(bob, room.id, { level: 'none', mutedUntil: null }).expect(200);
    expect(none.body.me).toMatchObject({ muted: true, notifications: { level: 'none', mutedUntil: null } });
    expect(await memberOf(ann, room.id, bob.id)).toMatchObject({ muted: true });

    const until = new Date(Date.now() + 3_600_000);
    const later = await put(bob, room.id, { level: 'all', mutedUntil: until.toISOString().replace('Z', '+00:00') }).expect(200);
    expect(later.body.me).toMatchObject({ muted: true, notifications: { level: 'all', mutedUntil: until.toISOString() } });
    expect(await memberOf(ann, room.id, bob.id)).toMatchObject({ muted: true });

    const past = await put(bob, room.id, { level: 'mentions', mutedUntil: '2020-01-01T00:00:00Z' }).expect(200);
    expect(past.body.me).toMatchObject({ muted: false, notifications: { level: 'mentions', mutedUntil: '2020-01-01T00:00:00.000Z' } });

    // PUT replaces both: mutedUntil left out is cleared.
    await put(bob, room.id, { level: 'all', mutedUntil: until.toISOString() }).expect(200);
    const cleared = await put(bob, room.id, { level: 'all' }).expect(200);
    expect(cleared.body.me).toMatchObject({ muted: false, notifications: { level: 'all', mutedUntil: null } });
    expect(await memberOf(ann, room.id, bob.id)).toMatchObject({ muted: false });
  });

  it('maps mute to level none and unmute to level all with mutedUntil cleared', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const until = new Date(Date.now() + 86_400_000).toISOString();
    await put(bob, room.id, { level: 'mentions', mutedUntil: until }).expect(200);
    const muted = await t.http().post(`${BASE}/rooms/${room.id}/mute`).set(bob.auth).expect(200);
    expect(muted.body.me).toMatchObject({ muted: true, notifications: { level: 'none', mutedUntil: until } });
    const unmuted = await t.http().post(`${BASE}/rooms/${room.id}/unmute`).set(bob.auth).expect(200);
    expect(unmuted.body.me).toMatchObject({ muted: false, notifications: { level: 'all', mutedUntil: null } });
    expect(await memberOf(ann, room.id, bob.id)).toMatchObject({ muted: false });
  });

  it('refuses bad settings with 400 INVALID_INPUT and changes nothing', async () => {
    const ann = t.user();
    const room = await chat.group(ann);
    const bad: unknown[] = [
      {},
      { level: 'some' },
      { level: 'ALL' },
      { level: null },
      { level: 1 },
      { level: 'none', mutedUntil: 'tomorrow' },
      { level: 'none', mutedUntil: 1767225600 },
      { level: 'none', mutedUntil: '2020-W01' },
      { level: 'none', mutedUntil: '10000-01-01T00:00:00Z' },
      { level: 'none', muted: true },
      [{ level: 'none' }],
    ];
    for (const body of bad) {
      const res = await put(ann, room.id, body);
      expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), 400, 'INVALID_INPUT']);
    }
    expect((await chat.room(ann, room.id)).me.notifications).toEqual({ level: 'all', mutedUntil: null });
  });

  it('is for members only: 404 for outsiders (public room included), former members, unknown and malformed ids', async () => {
    const [ann, bob, outsider] = [t.user(), t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const open = await chat.group(ann, [], { isPublic: true });
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
    for (const [user, roomId] of [[outsider, room.id], [outsider, open.id], [bob, room.id], [ann, '00000000-0000-4000-8000-000000000000'], [ann, 'not-a-room']] as const) {
      const res = await put(user, roomId, { level: 'none' });
      expect([roomId, res.status, res.body.code]).toEqual([roomId, 404, 'ROOM_NOT_FOUND']);
    }
    const upper = await put(ann, room.id.toUpperCase(), { level: 'mentions' }).expect(200);
    expect(upper.body.id).toBe(room.id);
    await t.http().put(`${BASE}/rooms/${room.id}/notifications`).send({ level: 'none' }).expect(401);
  });
});

describe('the notification-levels migration', () => {
  const name = `parley_test_levels_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('turns muted members into level none, keeps the others at all, and goes back down', async () => {
    const index = chatMigrations.findIndex((migration) => migration.name === 'Notifications1795360000000');
    expect(index).toBeGreaterThan(0);
    const migrate = async (migrations: Array<(typeof chatMigrations)[number]>, work: (dataSource: DataSource) => Promise<void>) => {
      const dataSource = new DataSource({ type: 'postgres', url: databaseUrl(name), migrations });
      await dataSource.initialize();
      try {
        await work(dataSource);
      } finally {
        await dataSource.destroy();
      }
    };
    let roomId = '';
    await migrate(chatMigrations.slice(0, index), async (dataSource) => {
      await dataSource.runMigrations();
      [{ id: roomId }] = await dataSource.query(`INSERT INTO chat_rooms (type, title, creator_id) VALUES ('group', 'Old', 'ann') RETURNING id`);
      await dataSource.query(`INSERT INTO chat_room_members (room_id, user_id, role, muted) VALUES ($1, 'ann', 'owner', false), ($1, 'bob', 'member', true)`, [roomId]);
    });
    await migrate(chatMigrations, async (dataSource) => {
      await dataSource.runMigrations();
      const rows = await dataSource.query(`SELECT user_id, notification_level, muted_until FROM chat_room_members WHERE room_id = $1 ORDER BY user_id`, [roomId]);
      expect(rows).toEqual([
        { user_id: 'ann', notification_level: 'all', muted_until: null },
        { user_id: 'bob', notification_level: 'none', muted_until: null },
      ]);
      const [{ mentions }] = await dataSource.query(
        `INSERT INTO chat_messages (room_id, seq, sender_id, version) VALUES ($1, 1, 'ann', 1) RETURNING mentions`,
        [roomId],
      );
      expect(mentions).toEqual([]);
      // Back to before the notifications: bob is muted again.
      for (let step = chatMigrations.length - 1; step >= index; step--) await dataSource.undoLastMigration();
      const back = await dataSource.query(`SELECT user_id, muted FROM chat_room_members WHERE room_id = $1 ORDER BY user_id`, [roomId]);
      expect(back).toEqual([
        { user_id: 'ann', muted: false },
        { user_id: 'bob', muted: true },
      ]);
    });
  });
});
