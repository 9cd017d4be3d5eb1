import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BASE, chatClient, type MessageBody } from './support/chat-client';
import { ask, closeSockets, connectSocket, nextEvent } from './support/sockets';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

type Mentioned = MessageBody;

describe.each(DATABASES)('mentions (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    // Seqs and unread counts here count user messages exactly; system messages have their own spec.
    t = await startTestApp(kind, { systemMessages: false });
    chat = chatClient(t);
  });
  afterAll(async () => {
    closeSockets();
    await t?.close();
  });

  const post = (user: TestUser, roomId: string, body: object) => t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send(body);
  const me = async (user: TestUser, roomId: string) => (await chat.room(user, roomId)).me;

  describe('on a new message', () => {
    it('stores the mentioned members once each, in the order given, and shows them on the Message everywhere', async () => {
      const [ann, bob, cat] = [t.user('Ann'), t.user('Bob'), t.user('Cat')];
      const room = await chat.group(ann, [bob, cat]);
      const socket = await connectSocket(t.url, bob.token);
      const created = nextEvent(socket, 'message.created', (event) => event.roomId === room.id);
      const sent = (await post(ann, room.id, { body: 'hi @Cat @Bob', mentions: [cat.id, bob.id, cat.id] }).expect(201)).body as Mentioned;
      expect(sent.mentions).toEqual([cat.id, bob.id]);
      expect(((await created).message as Mentioned).mentions).toEqual([cat.id, bob.id]);
      const fetched = (await t.http().get(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(bob.auth).expect(200)).body as Mentioned;
      expect(fetched.mentions).toEqual([cat.id, bob.id]);
      const listed = await chat.all<Mentioned>(bob, `${BASE}/rooms/${room.id}/messages`);
      expect(listed.find((message) => message.id === sent.id)?.mentions).toEqual([cat.id, bob.id]);
      const plain = (await post(ann, room.id, { body: 'no one' }).expect(201)).body as Mentioned;
      expect(plain.mentions).toEqual([]);
      const self = (await post(ann, room.id, { body: 'me', mentions: [ann.id] }).expect(201)).body as Mentioned;
      expect(self.mentions).toEqual([ann.id]);
    });

    it('refuses a mention of anybody who is not a member (400 INVALID_MENTION) and stores nothing', async () => {
      const [ann, bob, stranger, leaver] = [t.user(), t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, leaver]);
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${leaver.id}`).set(ann.auth).expect(204);
      for (const mentions of [[stranger.id], [bob.id, stranger.id], [leaver.id], ['nobody-at-all']]) {
        const res = await post(ann, room.id, { body: 'hey', mentions }).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_MENTION' });
      }
      expect((await chat.room(ann, room.id)).lastSeq).toBe(0);
    });

    it('refuses malformed mentions with 400 INVALID_INPUT', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      const bad: object[] = [
        { body: 'x', mentions: ann.id },
        { body: 'x', mentions: [42] },
        { body: 'x', mentions: [''] },
        { body: 'x', mentions: ['a'.repeat(256)] },
        { body: 'x', mentions: ['bad\u0000id'] },
        { body: 'x', mentions: null },
        { body: 'x', mentions: Array.from({ length: 51 }, (_, index) => `user-${index}`) },
      ];
      for (const body of bad) {
        const res = await post(ann, room.id, body);
        expect([JSON.stringify(body).slice(0, 60), res.status, res.body.code]).toEqual([JSON.stringify(body).slice(0, 60), 400, 'INVALID_INPUT']);
      }
      expect((await chat.room(ann, room.id)).lastSeq).toBe(0);
    });

    it('fails only the send with a bad mention, never the others written in the same batch', async () => {
      const [ann, bob, stranger] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const results = await Promise.all([
        ...Array.from({ length: 6 }, (_, index) => post(index % 2 ? ann : bob, room.id, { body: `good ${index}`, mentions: [ann.id, bob.id] })),
        post(ann, room.id, { body: 'bad', mentions: [stranger.id] }),
        ...Array.from({ length: 6 }, (_, index) => post(bob, room.id, { body: `more ${index}` })),
      ]);
      expect(results.map((res) => res.status)).toEqual([...Array(6).fill(201), 400, ...Array(6).fill(201)]);
      expect(results[6].body.code).toBe('INVALID_MENTION');
      expect((await chat.room(ann, room.id)).lastSeq).toBe(12);
    });

    it('takes mentions on the socket (message.send) with the same rules', async () => {
      const [ann, bob, stranger] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const socket = await connectSocket(t.url, ann.token);
      const ok = await ask(socket, 'message.send', { roomId: room.id, body: 'hi', mentions: [bob.id, bob.id] });
      expect(ok).toMatchObject({ ok: true, data: { mentions: [bob.id] } });
      const refused = await ask(socket, 'message.send', { roomId: room.id, body: 'hi', mentions: [stranger.id] });
      expect(refused).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_MENTION' } });
      const malformed = await ask(socket, 'message.send', { roomId: room.id, body: 'hi', mentions: [7] });
      expect(malformed).toMatchObject({ ok: false, error: { statusCode: 400, code: 'INVALID_INPUT' } });
      expect((await chat.room(ann, room.id)).lastSeq).toBe(1);
    });
  });

  describe('me.unreadMentionCount', () => {
    it('counts the unread, not deleted messages of others that mention the caller, and goes down on read and on delete', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, cat]);
      expect(await me(bob, room.id)).toMatchObject({ unreadCount: 0, unreadMentionCount: 0 });
      const first = (await post(ann, room.id, { body: 'one', mentions: [bob.id] }).expect(201)).body as Mentioned;
      await post(ann, room.id, { body: 'two' }).expect(201);
      const third = (await post(cat, room.id, { body: 'three', mentions: [bob.id, ann.id] }).expect(201)).body as Mentioned;
      await post(ann, room.id, { body: 'four', mentions: [bob.id] }).expect(201);
      // Bob's own message mentioning himself never counts.
      await post(bob, room.id, { body: 'me', mentions: [bob.id] }).expect(201);
      expect(await me(bob, room.id)).toMatchObject({ unreadCount: 0, unreadMentionCount: 0 });
      // Sending moved Bob's read pointer to his message: mention him again after it.
      const fifth = (await post(ann, room.id, { body: 'five', mentions: [bob.id] }).expect(201)).body as Mentioned;
      await post(ann, room.id, { body: 'six', mentions: [bob.id] }).expect(201);
      await post(cat, room.id, { body: 'seven' }).expect(201);
      expect(await me(bob, room.id)).toMatchObject({ unreadCount: 3, unreadMentionCount: 2 });
      // Ann was mentioned by Cat, and has read nothing after her own last message (six).
      expect(await me(ann, room.id)).toMatchObject({ unreadCount: 1, unreadMentionCount: 0 });
      const listed = (await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200)).body.items.find((item: { id: string }) => item.id === room.id);
      expect(listed.me).toMatchObject({ unreadCount: 3, unreadMentionCount: 2 });

      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${fifth.id}`).set(ann.auth).expect(204);
      expect(await me(bob, room.id)).toMatchObject({ unreadCount: 2, unreadMentionCount: 1 });
      await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: fifth.seq + 1 }).expect(200);
      expect(await me(bob, room.id)).toMatchObject({ unreadCount: 1, unreadMentionCount: 0 });
      expect(first.seq).toBeLessThan(third.seq);
      // Cat never read anything and is mentioned nowhere.
      expect(await me(cat, room.id)).toMatchObject({ unreadMentionCount: 0 });
    });
  });

  describe('edits', () => {
    it('may change the mentions (PATCH and PUT); left out, they stay', async () => {
      const [ann, bob, cat, stranger] = [t.user(), t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, cat]);
      const sent = (await post(ann, room.id, { body: 'hi @Bob', mentions: [bob.id] }).expect(201)).body as Mentioned;
      expect(await me(bob, room.id)).toMatchObject({ unreadMentionCount: 1 });
      const path = `${BASE}/rooms/${room.id}/messages/${sent.id}`;

      const socket = await connectSocket(t.url, cat.token);
      const updated = nextEvent(socket, 'message.updated', (event) => event.message.id === sent.id);
      const moved = (await t.http().patch(path).set(ann.auth).send({ body: 'hi @Cat', mentions: [cat.id] }).expect(200)).body as Mentioned;
      expect(moved).toMatchObject({ body: 'hi @Cat', mentions: [cat.id] });
      expect(moved.version).toBeGreaterThan(sent.version);
      expect(((await updated).message as Mentioned).mentions).toEqual([cat.id]);
      expect(await me(bob, room.id)).toMatchObject({ unreadMentionCount: 0 });
      expect(await me(cat, room.id)).toMatchObject({ unreadMentionCount: 1 });

      // Same text, other mentions: still a change (new version), and no entry in the edit history.
      const same = (await t.http().put(path).set(ann.auth).send({ body: 'hi @Cat', mentions: [cat.id, bob.id] }).expect(200)).body as Mentioned;
      expect(same.mentions).toEqual([cat.id, bob.id]);
      expect(same.version).toBeGreaterThan(moved.version);
      const history = await t.http().get(`${path}/history`).set(ann.auth).expect(200);
      expect(history.body.items.map((edit: { body: string }) => edit.body)).toEqual(['hi @Bob']);

      const kept = (await t.http().patch(path).set(ann.auth).send({ body: 'text only' }).expect(200)).body as Mentioned;
      expect(kept.mentions).toEqual([cat.id, bob.id]);
      const unchanged = (await t.http().patch(path).set(ann.auth).send({ body: 'text only', mentions: [cat.id, bob.id] }).expect(200)).body as Mentioned;
      expect(unchanged.version).toBe(kept.version);

      const refused = await t.http().patch(path).set(ann.auth).send({ body: 'x', mentions: [stranger.id] }).expect(400);
      expect(refused.body.code).toBe('INVALID_MENTION');
      expect(((await t.http().get(path).set(ann.auth).expect(200)).body as Mentioned)).toMatchObject({ body: 'text only', mentions: [cat.id, bob.id] });

      const cleared = (await t.http().patch(path).set(ann.auth).send({ body: 'text only', mentions: [] }).expect(200)).body as Mentioned;
      expect(cleared.mentions).toEqual([]);
      expect(await me(cat, room.id)).toMatchObject({ unreadMentionCount: 0 });
    });

    it('shows no mentions on a deleted message', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const sent = (await post(ann, room.id, { body: 'hi', mentions: [bob.id] }).expect(201)).body as Mentioned;
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(ann.auth).expect(204);
      const tombstone = (await t.http().get(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(bob.auth).expect(200)).body as Mentioned;
      expect(tombstone).toMatchObject({ body: '', mentions: [] });
    });
  });

  describe('the notification outbox', () => {
    it('queues nothing while no notification is configured', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      await post(ann, room.id, { body: 'quiet', mentions: [bob.id] }).expect(201);
      const dataSource = t.app.get<DataSource>(getDataSourceToken());
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM chat_outbox WHERE room_id = $1`, [room.id]);
      expect(count).toBe(0);
    });

    it('writes one outbox row per created message, in the message’s own transaction, when asked to', async () => {
      const [ann, bob, stranger] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const dataSource = t.app.get<DataSource>(getDataSourceToken());
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const rows: Array<{ w_outcome: string; w_id: string | null; w_seq: number | null }> = await runner.query(
          `SELECT * FROM chat_write_messages($1::uuid[], $2::varchar[], $3::text[], $4::uuid[], $5::varchar[], $6::int[], $7::uuid[], $8::int[], $9::varchar[], $10::int, $11::uuid[], $12::boolean)`,
          [[room.id, room.id, room.id], [ann.id, bob.id, ann.id], ['a', 'b', 'c'], [null, null, null], [null, null, null], [], [], [1, 2, 3], [bob.id, ann.id, stranger.id], 100, [], true],
        );
        expect(rows.map((row) => row.w_outcome)).toEqual(['created', 'created', 'bad_mentions']);
        const queued: Array<{ kind: string; payload: { messageId: string } }> = await runner.query(`SELECT kind, payload FROM chat_outbox WHERE room_id = $1 ORDER BY id`, [room.id]);
        expect(queued).toEqual(rows.slice(0, 2).map((row) => ({ kind: 'message', payload: { messageId: row.w_id } })));
        const stored: Array<{ mentions: string[] }> = await runner.query(`SELECT mentions FROM chat_messages WHERE room_id = $1 ORDER BY seq`, [room.id]);
        expect(stored.map((row) => row.mentions)).toEqual([[bob.id], [ann.id]]);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM chat_outbox WHERE room_id = $1`, [room.id]);
      expect(count).toBe(0);
    });
  });
});
