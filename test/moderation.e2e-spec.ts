import { createServer, type Server } from 'node:http';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AddressInfo } from 'node:net';
import { ChatEventBus } from '@parley/chat';
import { AuditLogService } from '../libs/chat/src/audit/audit-log.service';
import { ReportsService } from '../libs/chat/src/moderation/reports.service';
import { closeSockets, connectSocket, eventually, nextEvent, ask } from './support/sockets';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';

/** Room moderation (API.md, "Moderation"): bans, silenced members, slow mode, frozen rooms, reports, and their audit. */
describe.each(DATABASES)('moderation (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  const group = async (owner: TestUser, members: TestUser[], fields: Record<string, unknown> = {}) =>
    (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Moderated', memberIds: members.map((m) => m.id), ...fields }).expect(201))
      .body as { id: string; version: number };
  const makeAdmin = (roomId: string, owner: TestUser, user: TestUser) =>
    t.http().patch(`${BASE}/rooms/${roomId}/members/${user.id}`).set(owner.auth).send({ role: 'admin' }).expect(200);
  const send = (roomId: string, user: TestUser, body: Record<string, unknown> = { body: 'hello' }) =>
    t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send(body);
  const auditActions = async (roomId: string): Promise<string[]> => {
    const { items } = await t.app.get(AuditLogService).list(100);
    return items.filter((entry) => entry.target.roomId === roomId).map((entry) => entry.action);
  };

  describe('bans', () => {
    it('removes the member (member.removed to their socket), keeps them out until lifted, and lists active bans', async () => {
      const [owner, bob, cat] = [t.user('Owner'), t.user('Bob'), t.user('Cat')];
      const room = await group(owner, [bob, cat], { isPublic: true });
      const bobSocket = await connectSocket(t.url, bob.token);
      const removed = nextEvent(bobSocket, 'member.removed', (payload) => payload.roomId === room.id);
      const banned = await t.http().put(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).send({ reason: 'spam' }).expect(200);
      expect(banned.body).toEqual({ userId: bob.id, reason: 'spam', until: null, createdAt: expect.any(String), createdBy: owner.id });
      expect((await removed).member.userId).toBe(bob.id);
      await t.http().get(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(owner.auth).expect(404);
      const join = await t.http().post(`${BASE}/rooms/${room.id}/join`).set(bob.auth).expect(403);
      expect(join.body.code).toBe('BANNED');
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(owner.auth).expect(204);
      const add = await t.http().post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: bob.id }).expect(403);
      expect(add.body.code).toBe('BANNED');
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: cat.id }).expect(201);

      // Banning again changes the terms; the ban keeps its creation.
      const until = new Date(Date.now() + 3600_000).toISOString();
      const renewed = await t.http().put(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).send({ reason: 'still spam', until }).expect(200);
      expect(renewed.body).toMatchObject({ userId: bob.id, reason: 'still spam', until, createdAt: banned.body.createdAt });
      const list = await t.http().get(`${BASE}/rooms/${room.id}/bans`).set(owner.auth).expect(200);
      expect(list.body).toEqual({ items: [renewed.body], nextCursor: null });

      await t.http().delete(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).expect(204);
      const again = await t.http().delete(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).expect(404);
      expect(again.body.code).toBe('BAN_NOT_FOUND');
      expect((await t.http().get(`${BASE}/rooms/${room.id}/bans`).set(owner.auth).expect(200)).body.items).toEqual([]);
      await t.http().post(`${BASE}/rooms/${room.id}/join`).set(bob.auth).expect(200);
      expect(await auditActions(room.id)).toEqual(expect.arrayContaining(['ban.created', 'ban.removed']));
    });

    it('bans a non-member too, and a ban with an end stops holding once it passes', async () => {
      const [owner, dan] = [t.user(), t.user()];
      const room = await group(owner, [], { isPublic: true });
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${dan.id}`).set(owner.auth).send({}).expect(200);
      expect((await t.http().post(`${BASE}/rooms/${room.id}/join`).set(dan.auth).expect(403)).body.code).toBe('BANNED');
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${dan.id}`).set(owner.auth).send({ until: new Date(Date.now() - 1000).toISOString() }).expect(400);
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${dan.id}`).set(owner.auth).send({ until: new Date(Date.now() + 1500).toISOString() }).expect(200);
      await eventually(async () => {
        await t.http().post(`${BASE}/rooms/${room.id}/join`).set(dan.auth).expect(200);
      }, 10_000, 200);
      expect((await t.http().get(`${BASE}/rooms/${room.id}/bans`).set(owner.auth).expect(200)).body.items).toEqual([]);
    });

    it('is for the owner and admins of group rooms; admins never ban the owner or admins; nobody bans themself (403)', async () => {
      const [owner, admin, other, member, outsider] = [t.user(), t.user(), t.user(), t.user(), t.user()];
      const room = await group(owner, [admin, other, member]);
      await makeAdmin(room.id, owner, admin);
      await makeAdmin(room.id, owner, other);
      const ban = (by: TestUser, target: TestUser) => t.http().put(`${BASE}/rooms/${room.id}/bans/${target.id}`).set(by.auth).send({});
      await ban(admin, owner).expect(403);
      await ban(admin, other).expect(403);
      await ban(admin, admin).expect(403);
      await ban(owner, owner).expect(403);
      await ban(member, outsider).expect(403);
      await ban(outsider, member).expect(404);
      await t.http().get(`${BASE}/rooms/${room.id}/bans`).set(member.auth).expect(403);
      await ban(owner, other).expect(200);
      await ban(admin, member).expect(200);
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${outsider.id}`).set(owner.auth).send({ reason: 'x'.repeat(1001) }).expect(400);
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${outsider.id}`).set(owner.auth).send({ extra: true }).expect(400);
      const direct = (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'direct', memberIds: [member.id] }).expect(201)).body as { id: string };
      await t.http().put(`${BASE}/rooms/${direct.id}/bans/${member.id}`).set(owner.auth).send({}).expect(403);
    });
  });

  describe('silence', () => {
    it('makes a member read-only until lifted: sends refused (HTTP and socket), reading, reactions and read pointers work', async () => {
      const [owner, bob] = [t.user(), t.user()];
      const room = await group(owner, [bob]);
      const message = (await send(room.id, owner).expect(201)).body as { id: string; seq: number };
      const ownerSocket = await connectSocket(t.url, owner.token);
      const updated = nextEvent(ownerSocket, 'member.updated', (payload) => payload.member.userId === bob.id);
      const until = new Date(Date.now() + 3600_000).toISOString();
      const silenced = await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(owner.auth).send({ silencedUntil: until }).expect(200);
      expect(silenced.body).toMatchObject({ userId: bob.id, role: 'member', silencedUntil: until });
      expect((await updated).member.silencedUntil).toBe(until);

      expect((await send(room.id, bob).expect(403)).body.code).toBe('SILENCED');
      const bobSocket = await connectSocket(t.url, bob.token);
      const ack = await ask(bobSocket, 'message.send', { roomId: room.id, body: 'let me speak' });
      expect(ack).toMatchObject({ ok: false, error: { statusCode: 403, code: 'SILENCED' } });
      await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).expect(200);
      await t.http().put(`${BASE}/rooms/${room.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`).set(bob.auth).expect(200);
      await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: message.seq }).expect(200);

      const lifted = await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(owner.auth).send({ silencedUntil: null }).expect(200);
      expect(lifted.body.silencedUntil).toBeNull();
      await send(room.id, bob).expect(201);
      expect(await auditActions(room.id)).toEqual(expect.arrayContaining(['member.silenced', 'member.unsilenced']));
    });

    it('is for the owner and admins; admins silence plain members only; role and silence go together', async () => {
      const [owner, admin, other, member] = [t.user(), t.user(), t.user(), t.user()];
      const room = await group(owner, [admin, other, member]);
      await makeAdmin(room.id, owner, admin);
      await makeAdmin(room.id, owner, other);
      const until = new Date(Date.now() + 600_000).toISOString();
      const silence = (by: TestUser, target: TestUser) => t.http().patch(`${BASE}/rooms/${room.id}/members/${target.id}`).set(by.auth).send({ silencedUntil: until });
      await silence(admin, owner).expect(403);
      await silence(admin, other).expect(403);
      await silence(admin, admin).expect(403);
      await silence(member, other).expect(403);
      await silence(admin, member).expect(200);
      await silence(owner, other).expect(200);
      await t.http().patch(`${BASE}/rooms/${room.id}/members/${member.id}`).set(admin.auth).send({ role: 'admin' }).expect(403);
      await t.http().patch(`${BASE}/rooms/${room.id}/members/${member.id}`).set(owner.auth).send({}).expect(400);
      await t.http().patch(`${BASE}/rooms/${room.id}/members/${member.id}`).set(owner.auth).send({ silencedUntil: 'tomorrow' }).expect(400);
      const both = await t.http().patch(`${BASE}/rooms/${room.id}/members/${member.id}`).set(owner.auth).send({ role: 'admin', silencedUntil: null }).expect(200);
      expect(both.body).toMatchObject({ role: 'admin', silencedUntil: null });
    });
  });

  describe('room settings', () => {
    it('slow mode: one message per interval for plain members (429 SLOW_MODE with retryAfterSeconds), owner and admins exempt', async () => {
      const [owner, bob] = [t.user(), t.user()];
      const room = await group(owner, [bob]);
      const bobSocket = await connectSocket(t.url, bob.token);
      const roomUpdated = nextEvent(bobSocket, 'room.updated', (payload) => payload.roomId === room.id);
      const patched = await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ slowModeSeconds: 60 }).expect(200);
      expect(patched.body).toMatchObject({ slowModeSeconds: 60, frozen: false });
      expect((await roomUpdated).room).toMatchObject({ slowModeSeconds: 60 });

      const first = await send(room.id, bob, { body: 'first', clientId: 'slow-1' }).expect(201);
      const refused = await send(room.id, bob, { body: 'second' }).expect(429);
      expect(refused.body).toMatchObject({ code: 'SLOW_MODE', retryAfterSeconds: expect.any(Number) });
      expect(refused.body.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.body.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(Number(refused.headers['retry-after'])).toBe(refused.body.retryAfterSeconds);
      const ack = await ask(bobSocket, 'message.send', { roomId: room.id, body: 'by socket' });
      expect(ack).toMatchObject({ ok: false, error: { statusCode: 429, code: 'SLOW_MODE', retryAfterSeconds: expect.any(Number) } });
      // A retry of the message already sent is answered with it, not refused.
      const retried = await send(room.id, bob, { body: 'first', clientId: 'slow-1' }).expect(200);
      expect(retried.body.id).toBe(first.body.id);
      await send(room.id, owner).expect(201);
      await send(room.id, owner).expect(201);

      await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ slowModeSeconds: 0 }).expect(200);
      await send(room.id, bob).expect(201);
      await send(room.id, bob).expect(201);
      for (const bad of [-1, 3601, 1.5, '10', null]) await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ slowModeSeconds: bad }).expect(400);
      expect(await auditActions(room.id)).toEqual(expect.arrayContaining(['room.slowMode']));
    });

    it('slow mode lets exactly one of concurrent sends through', async () => {
      const [owner, bob] = [t.user(), t.user()];
      const room = await group(owner, [bob], { });
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ slowModeSeconds: 3600 }).expect(200);
      const statuses = await Promise.all(Array.from({ length: 5 }, (_, i) => send(room.id, bob, { body: `race ${i}` }).then((res) => res.status)));
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 429)).toHaveLength(4);
    });

    it('frozen: only the owner and admins send (403 ROOM_FROZEN), on HTTP and sockets; direct rooms have no settings', async () => {
      const [owner, admin, bob] = [t.user(), t.user(), t.user()];
      const room = await group(owner, [admin, bob]);
      await makeAdmin(room.id, owner, admin);
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(bob.auth).send({ frozen: true }).expect(403);
      expect((await t.http().patch(`${BASE}/rooms/${room.id}`).set(admin.auth).send({ frozen: true }).expect(200)).body.frozen).toBe(true);
      expect((await send(room.id, bob).expect(403)).body.code).toBe('ROOM_FROZEN');
      const bobSocket = await connectSocket(t.url, bob.token);
      expect(await ask(bobSocket, 'message.send', { roomId: room.id, body: 'hi' })).toMatchObject({ ok: false, error: { statusCode: 403, code: 'ROOM_FROZEN' } });
      await send(room.id, admin).expect(201);
      await send(room.id, owner).expect(201);
      expect((await t.http().get(`${BASE}/rooms/${room.id}`).set(bob.auth).expect(200)).body).toMatchObject({ frozen: true, slowModeSeconds: 0 });
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ frozen: false }).expect(200);
      await send(room.id, bob).expect(201);
      expect(await auditActions(room.id)).toEqual(expect.arrayContaining(['room.frozen', 'room.unfrozen']));
      // An outsider learns nothing: 404 as for any room they cannot see.
      await send(room.id, t.user()).expect(404);
      const direct = (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body as { id: string };
      await t.http().patch(`${BASE}/rooms/${direct.id}`).set(owner.auth).send({ frozen: true }).expect(403);
    });
  });

  describe('reports', () => {
    it('any member reports a message once; owner and admins list the open ones and resolve them', async () => {
      const [owner, admin, bob, cat] = [t.user(), t.user(), t.user(), t.user()];
      const room = await group(owner, [admin, bob, cat]);
      await makeAdmin(room.id, owner, admin);
      const message = (await send(room.id, cat, { body: 'rude words' }).expect(201)).body as { id: string };
      const report = await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: 'rude' }).expect(201);
      expect(report.body).toEqual({ id: expect.any(String), messageId: message.id, roomId: room.id, reporterId: bob.id, reason: 'rude', createdAt: expect.any(String), resolvedAt: null });
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: 'again' }).expect(409);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: '' }).expect(400);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(t.user().auth).send({ reason: 'x' }).expect(404);
      const second = await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(owner.auth).send({ reason: 'indeed' }).expect(201);

      await t.http().get(`${BASE}/rooms/${room.id}/reports`).set(bob.auth).expect(403);
      const open = await t.http().get(`${BASE}/rooms/${room.id}/reports`).set(admin.auth).expect(200);
      expect(open.body.items.map((item: { id: string }) => item.id)).toEqual([second.body.id, report.body.id]);
      const resolved = await t.http().post(`${BASE}/rooms/${room.id}/reports/${report.body.id}/resolve`).set(admin.auth).expect(200);
      expect(resolved.body).toMatchObject({ id: report.body.id, resolvedAt: expect.any(String) });
      await t.http().post(`${BASE}/rooms/${room.id}/reports/${report.body.id}/resolve`).set(bob.auth).expect(403);
      await t.http().post(`${BASE}/rooms/${room.id}/reports/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/resolve`).set(admin.auth).expect(404);
      expect((await t.http().get(`${BASE}/rooms/${room.id}/reports`).set(owner.auth).expect(200)).body.items.map((item: { id: string }) => item.id)).toEqual([second.body.id]);
      expect(await auditActions(room.id)).toEqual(expect.arrayContaining(['report.resolved']));

      // The server administrators' queue spans rooms, and resolves by id alone.
      const reports = t.app.get(ReportsService);
      expect((await reports.listOpenEverywhere({ limit: 100 })).items.map((item) => item.id)).toContain(second.body.id);
      expect((await reports.resolveAnywhere('server-admin', second.body.id)).resolvedAt).not.toBeNull();
      expect((await t.http().get(`${BASE}/rooms/${room.id}/reports`).set(owner.auth).expect(200)).body.items).toEqual([]);

      // A message of another room is not found here; a deleted one cannot be reported.
      const elsewhere = await group(bob, []);
      const foreign = (await send(elsewhere.id, bob).expect(201)).body as { id: string };
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${foreign.id}/reports`).set(bob.auth).send({ reason: 'x' }).expect(404);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${message.id}`).set(cat.auth).expect(204);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(cat.auth).send({ reason: 'x' }).expect(409);
    });

    // The embedded database has one session: a transaction held open by the test would block the report itself.
    (kind === 'postgres' ? it : it.skip)('answers 404, not 500, to a report made while its room is being deleted', async () => {
      const [owner, bob] = [t.user(), t.user()];
      const room = await group(owner, [bob]);
      const message = (await send(room.id, owner, { body: 'reported as the room goes' }).expect(201)).body as { id: string };
      const db = t.app.get<DataSource>(getDataSourceToken());
      // The room's deletion in progress: its row deleted (with its messages, by cascade), not yet committed.
      const deletion = db.createQueryRunner();
      await deletion.connect();
      try {
        await deletion.startTransaction();
        await deletion.query(`DELETE FROM chat_rooms WHERE id = $1`, [room.id]);
        const report = t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: 'spam' }).then((res) => res);
        // The report waits for the deletion's row lock (the condition, polled).
        const waiting = async () =>
          Number(
            ((await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as Array<{ n: string }>)[0].n,
          );
        let seen = 0;
        for (let i = 0; i < 100 && (seen = await waiting()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen).toBe(1);
        await deletion.commitTransaction();
        const answer = await report;
        expect(answer.status).toBe(404);
        expect(answer.body.code).toBe('ROOM_NOT_FOUND');
      } finally {
        if (deletion.isTransactionActive) await deletion.rollbackTransaction();
        await deletion.release();
      }
    });
  });

  it('publishes ban.created, ban.removed and report.created on the event bus (for webhooks), and no socket event for them', async () => {
    const [owner, bob] = [t.user(), t.user()];
    const room = await group(owner, [bob]);
    const seen: string[] = [];
    const stop = t.app.get(ChatEventBus).onAny((event) => {
      if ((event.payload as { roomId?: string }).roomId === room.id) seen.push(event.name);
    });
    try {
      const message = (await send(room.id, owner).expect(201)).body as { id: string };
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: 'x' }).expect(201);
      await t.http().put(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).send({}).expect(200);
      await t.http().delete(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).expect(204);
    } finally {
      stop();
    }
    // The second message.created is the ban's system message (`member.banned`), right after the removal it records.
    expect(seen).toEqual(['message.created', 'report.created', 'member.removed', 'message.created', 'ban.created', 'ban.removed']);
  });
});

describe('moderation webhooks', () => {
  let t: TestApp;
  let receiver: Server;
  const received: Array<{ type: string; data: any }> = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    t = await startTestApp('postgres', {
      notifications: {
        webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 'moderation-test-secret', events: ['ban.created', 'ban.removed', 'report.created'] },
        delivery: { pollIntervalMs: 100, firstRetryMs: 200 },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('delivers ban.created, ban.removed and report.created to the webhook', async () => {
    const [owner, bob] = [t.user(), t.user()];
    const room = (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Hooked', memberIds: [bob.id] }).expect(201)).body as { id: string };
    const message = (await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(owner.auth).send({ body: 'x' }).expect(201)).body as { id: string };
    const report = (await t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/reports`).set(bob.auth).send({ reason: 'spam' }).expect(201)).body;
    const ban = (await t.http().put(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).send({ reason: 'spam' }).expect(200)).body;
    await t.http().delete(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).expect(204);
    await eventually(() => expect(received.filter((event) => event.data.roomId === room.id).map((event) => event.type)).toEqual(['report.created', 'ban.created', 'ban.removed']), 15_000);
    const [reported, banned, lifted] = received.filter((event) => event.data.roomId === room.id);
    expect(reported.data).toEqual({ roomId: room.id, report });
    expect(banned.data).toEqual({ roomId: room.id, ban });
    expect(lifted.data).toEqual({ roomId: room.id, userId: bob.id, removedBy: owner.id });
  });
});
