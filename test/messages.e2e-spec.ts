import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MessageWriter } from '../libs/chat/src/messages/message-writer.service';
import { BASE, chatClient, type MessageBody } from './support/chat-client';
import { DATABASES, startTestApp, type TestApp } from './support/test-app';

describe.each(DATABASES)('messages (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    // These tests count seqs and versions of user messages exactly; system messages have their own spec.
    t = await startTestApp(kind, { systemMessages: false });
    chat = chatClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('sending', () => {
    it('sends a message with every field of the contract and moves the room and the read pointer', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const message = await chat.send(ann, room.id, '  Hello there  ', { clientId: 'c-1' });
      expect(message).toEqual({
        id: expect.any(String),
        roomId: room.id,
        seq: 1,
        type: 'user',
        senderId: ann.id,
        body: 'Hello there',
        parentId: null,
        replyCount: 0,
        images: [],
        reactions: [],
        pinned: false,
        mentions: [],
        clientId: 'c-1',
        createdAt: expect.any(String),
        editedAt: null,
        deletedAt: null,
        version: room.version + 1,
        system: null,
      });
      const annRoom = await chat.room(ann, room.id);
      expect(annRoom).toMatchObject({ lastSeq: 1, version: room.version + 1, lastMessageAt: message.createdAt, lastMessage: { id: message.id, body: 'Hello there' } });
      expect(annRoom.me).toMatchObject({ lastReadSeq: 1, unreadCount: 0 });
      const bobRoom = await chat.room(bob, room.id);
      expect(bobRoom.me).toMatchObject({ lastReadSeq: 0, unreadCount: 1 });
    });

    it('rejects bad messages with 400 and stores nothing', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      const bad: object[] = [
        {},
        { body: '   ' },
        { body: 'x'.repeat(4001) },
        { body: 42 },
        { body: 'hi', senderId: 'someone' },
        { body: 'hi', seq: 5 },
        { body: 'hi', roomId: room.id },
        { body: 'hi', parentId: 'not-a-uuid' },
        { body: 'hi', clientId: '' },
        { body: 'hi', imageIds: ['00000000-0000-0000-0000-000000000000'] },
      ];
      for (const body of bad) {
        const res = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send(body);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.body.message).toBeTruthy();
      }
      await chat.send(ann, room.id, 'x'.repeat(4000));
      const after = await chat.room(ann, room.id);
      expect(after.lastSeq).toBe(1);
      const tooLarge = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'x'.repeat(300_000) });
      expect(tooLarge.status).toBe(413);
    });

    it('gives 10 clients sending at once seq 1..N with no gap and no duplicate', async () => {
      const owner = t.user();
      const senders = Array.from({ length: 10 }, () => t.user());
      const room = await chat.group(owner, senders);
      const sent = await Promise.all(senders.flatMap((sender) => [1, 2, 3].map((i) => chat.send(sender, room.id, `from ${sender.id} #${i}`))));
      expect(sent.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const versions = sent.map((m) => m.version);
      expect(new Set(versions).size).toBe(30);
      const listed = await chat.all<MessageBody>(owner, `${BASE}/rooms/${room.id}/messages`, { limit: 100 });
      expect(listed.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
      // Commit order: a higher seq never has an earlier version.
      const bySeq = [...sent].sort((a, b) => a.seq - b.seq);
      expect(bySeq.map((m) => m.version)).toEqual([...versions].sort((a, b) => a - b));
    });

    it('makes 8 concurrent retries with one clientId into one message (200 for the repeats)', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'once', clientId: 'retry-me' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const later = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'different text', clientId: 'retry-me' }).expect(200);
      expect(later.body).toMatchObject({ id: results[0].body.id, body: 'once', seq: 1 });
      expect((await chat.room(ann, room.id)).lastSeq).toBe(1);
      // The same clientId from another sender is another message.
      const bob = t.user();
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
      const bobs = await chat.send(bob, room.id, 'mine', { clientId: 'retry-me' });
      expect(bobs.seq).toBe(2);
      const elsewhere = await chat.group(ann);
      await t.http().post(`${BASE}/rooms/${elsewhere.id}/messages`).set(ann.auth).send({ body: 'x', clientId: 'retry-me' }).expect(409);
    });

    it('writes a burst into one room in batches: gapless seqs, repeats answered once, failures kept to their own send', async () => {
      const owner = t.user();
      const members = Array.from({ length: 5 }, () => t.user());
      const outsider = t.user();
      const room = await chat.group(owner, members);
      const post = (user: typeof owner, body: object) => t.http().post(`${BASE}/rooms/${room.id}/messages`).set(user.auth).send(body);
      const requests = [
        ...Array.from({ length: 120 }, (_, i) => post(members[i % 5], { body: `burst ${i}` })),
        ...Array.from({ length: 6 }, () => post(members[0], { body: 'same', clientId: 'burst-dup' })),
        post(outsider, { body: 'not a member' }),
        post(members[1], { body: 'bad image', imageIds: ['00000000-0000-0000-0000-000000000001'] }),
      ];
      const responses = await Promise.all(requests);
      const created = responses.filter((r) => r.status === 201);
      expect(created).toHaveLength(121);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
      expect(new Set(responses.slice(120, 126).map((r) => r.body.id)).size).toBe(1);
      expect(responses[126].status).toBe(404);
      expect(responses[127].status).toBe(400);
      const seqs = created.map((r) => r.body.seq as number).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
      const after = await chat.room(owner, room.id);
      expect(after).toMatchObject({ lastSeq: 121, version: room.version + 121 });
      expect((await chat.room(members[2], room.id)).me.lastReadSeq).toBe(Math.max(...created.filter((r) => r.body.senderId === members[2].id).map((r) => r.body.seq)));
    });
  });

  describe('batched writes across rooms', () => {
    it('keeps every room gapless when many rooms are written at once', async () => {
      const owner = t.user();
      const rooms = await Promise.all(Array.from({ length: 6 }, () => chat.group(owner)));
      const sent = await Promise.all(rooms.flatMap((room) => Array.from({ length: 25 }, (_, i) => chat.send(owner, room.id, `r${i}`))));
      for (const room of rooms) {
        const seqs = sent.filter((m) => m.roomId === room.id).map((m) => m.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
        expect((await chat.room(owner, room.id)).lastSeq).toBe(25);
      }
    });
  });

  describe('membership under the room lock', () => {
    // The embedded database has one session: a transaction held open by the test would block the send itself.
    const onPostgres = kind === 'postgres' ? it : it.skip;

    onPostgres('refuses a send that waited for the room while its sender was being removed', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const db = t.app.get<DataSource>(getDataSourceToken());
      // A removal in progress, as the members service makes it: the room row locked (its version bumped), the
      // membership deleted, not yet committed.
      const removal = db.createQueryRunner();
      await removal.connect();
      try {
        await removal.startTransaction();
        await removal.query(`UPDATE chat_rooms SET version = version + 1 WHERE id = $1`, [room.id]);
        await removal.query(`DELETE FROM chat_room_members WHERE room_id = $1 AND user_id = $2`, [room.id, bob.id]);
        const send = t.http().post(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).send({ body: 'too late' }).then((res) => res);
        // Waiting for the lock (the write function waits up to roomLockWaitMs), or set aside by the writer to be
        // tried again while the room stays busy.
        const writer = t.app.get(MessageWriter, { strict: false });
        const waiting = async () =>
          writer.waitingForBusyRooms +
          Number(
            (
              (await db.query(
                `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%chat_write_messages%'`,
              )) as Array<{ n: string }>
            )[0].n,
          );
        let seen = 0;
        for (let i = 0; i < 100 && (seen = await waiting()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen).toBe(1);
        await removal.commitTransaction();
        expect((await send).status).toBe(404);
      } finally {
        if (removal.isTransactionActive) await removal.rollbackTransaction();
        await removal.release();
      }
      expect((await chat.room(ann, room.id)).lastSeq).toBe(0);
    });
  });

  describe('listing', () => {
    it('pages 23 messages by 5, each once, newest first', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      for (let i = 1; i <= 23; i++) await chat.send(ann, room.id, `message ${i}`);
      const pages: number[][] = [];
      let cursor: string | null = null;
      do {
        const res: import('supertest').Response = await t
          .http()
          .get(`${BASE}/rooms/${room.id}/messages`)
          .query(cursor ? { limit: 5, cursor } : { limit: 5 })
          .set(ann.auth)
          .expect(200);
        pages.push(res.body.items.map((m: MessageBody) => m.seq));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.flat()).toEqual(Array.from({ length: 23 }, (_, i) => 23 - i));
      const before = await t.http().get(`${BASE}/rooms/${room.id}/messages?beforeSeq=10&afterSeq=5`).set(ann.auth).expect(200);
      expect(before.body.items.map((m: MessageBody) => m.seq)).toEqual([9, 8, 7, 6]);
      await t.http().get(`${BASE}/rooms/${room.id}/messages?cursor=nope`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms/${room.id}/messages?beforeSeq=-1`).set(ann.auth).expect(400);
    });

    it('filters by text (case-insensitive substring), sender and time', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const target = await chat.send(ann, room.id, 'Test message 1234.');
      await chat.send(bob, room.id, 'Something else 100%');
      const deleted = await chat.send(ann, room.id, 'Test message 1234 again');
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${deleted.id}`).set(ann.auth).expect(204);
      const search = async (q: string) =>
        (await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ q }).set(ann.auth).expect(200)).body.items.map((m: MessageBody) => m.id);
      expect(await search('test')).toEqual([target.id]);
      expect(await search('MESSAGE')).toEqual([target.id]);
      expect(await search('1234')).toEqual([target.id]);
      expect(await search('messages')).toEqual([]);
      expect(await search('124')).toEqual([]);
      expect(await search('%')).toHaveLength(1);
      expect(await search('_')).toEqual([]);
      const bobs = await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ senderId: bob.id }).set(ann.auth).expect(200);
      expect(bobs.body.items.map((m: MessageBody) => m.senderId)).toEqual([bob.id]);
      const future = new Date(Date.now() + 60_000).toISOString();
      const none = await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ createdAfter: future }).set(ann.auth).expect(200);
      expect(none.body.items).toEqual([]);
      const all = await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ createdBefore: future }).set(ann.auth).expect(200);
      expect(all.body.items).toHaveLength(3);
      await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ createdAfter: 'yesterday' }).set(ann.auth).expect(400);
    });
  });

  describe('threads', () => {
    it('keeps replies out of the main list, lists a thread oldest first, and counts replies', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const parent = await chat.send(ann, room.id, 'question');
      const r1 = await chat.send(bob, room.id, 'answer 1', { parentId: parent.id });
      const r2 = await chat.send(ann, room.id, 'answer 2', { parentId: parent.id });
      expect(r1.parentId).toBe(parent.id);
      const main = await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).expect(200);
      expect(main.body.items.map((m: MessageBody) => m.id)).toEqual([parent.id]);
      expect(main.body.items[0].replyCount).toBe(2);
      expect(main.body.items[0].version).toBe(r2.version);
      const thread = await chat.all<MessageBody>(ann, `${BASE}/rooms/${room.id}/messages`, { parentId: parent.id, limit: 1 });
      expect(thread.map((m) => m.id)).toEqual([r1.id, r2.id]);
      // Threads do not nest, and a parent must be in the same room.
      await chat.send(ann, room.id, 'nested', { parentId: r1.id }, 400);
      const other = await chat.group(ann);
      const foreign = await chat.send(ann, other.id, 'elsewhere');
      await chat.send(ann, room.id, 'cross-room', { parentId: foreign.id }, 400);
      await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ parentId: foreign.id }).set(ann.auth).expect(400);
      const preview = await chat.room(bob, room.id);
      expect(preview.lastMessage.id).toBe(parent.id);
    });
  });

  describe('editing and deleting', () => {
    it('lets only the sender edit, keeps the history for sender and admins, and refuses edits of deleted messages', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, cat]);
      const message = await chat.send(bob, room.id, 'first');
      const url = `${BASE}/rooms/${room.id}/messages/${message.id}`;
      await t.http().patch(url).set(ann.auth).send({ body: 'hijack' }).expect(403);
      const edited = await t.http().patch(url).set(bob.auth).send({ body: 'second' }).expect(200);
      expect(edited.body).toMatchObject({ body: 'second', editedAt: expect.any(String), version: message.version + 1 });
      await t.http().put(url).set(bob.auth).send({ body: 'third' }).expect(200);
      await t.http().patch(url).set(bob.auth).send({ body: '  ' }).expect(400);
      await t.http().patch(url).set(bob.auth).send({ body: 'x', pinned: true }).expect(400);
      const history = await t.http().get(`${url}/history`).set(ann.auth).expect(200);
      expect(history.body.items.map((e: { body: string }) => e.body)).toEqual(['second', 'first']);
      expect(history.body.nextCursor).toBeNull();
      await t.http().get(`${url}/history`).set(bob.auth).expect(200);
      await t.http().get(`${url}/history`).set(cat.auth).expect(403);
      await t.http().delete(url).set(bob.auth).expect(204);
      await t.http().patch(url).set(bob.auth).send({ body: 'after' }).expect(409);
      const afterDelete = await t.http().get(`${url}/history`).set(bob.auth).expect(200);
      expect(afterDelete.body.items).toEqual([]);
    });

    it('deletes as a tombstone (sender, owner or admin), dropping content and reactions', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, cat]);
      const m1 = await chat.send(bob, room.id, 'secret one');
      const m2 = await chat.send(bob, room.id, 'secret two');
      await t.http().put(`${BASE}/rooms/${room.id}/messages/${m1.id}/reactions/${encodeURIComponent('👍')}`).set(cat.auth).expect(200);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${m1.id}`).set(cat.auth).expect(403);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${m1.id}`).set(bob.auth).expect(204);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${m2.id}`).set(ann.auth).expect(204);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${m2.id}`).set(ann.auth).expect(204);
      const tomb = await t.http().get(`${BASE}/rooms/${room.id}/messages/${m1.id}`).set(cat.auth).expect(200);
      expect(tomb.body).toMatchObject({ id: m1.id, seq: m1.seq, body: '', images: [], reactions: [], deletedAt: expect.any(String) });
      const list = await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(cat.auth).expect(200);
      expect(list.body.items.map((m: MessageBody) => [m.seq, m.body])).toEqual([
        [2, ''],
        [1, ''],
      ]);
      expect(JSON.stringify(list.body)).not.toContain('secret');
      const catRoom = await chat.room(cat, room.id);
      expect(catRoom.me.unreadCount).toBe(0);
      expect(catRoom.lastMessage).toMatchObject({ id: m2.id, body: '' });
      await t.http().put(`${BASE}/rooms/${room.id}/messages/${m1.id}/reactions/${encodeURIComponent('👍')}`).set(cat.auth).expect(409);
    });
  });

  describe('reactions', () => {
    it('counts reactions per emoji with me per viewer, one per user and emoji', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const message = await chat.send(ann, room.id, 'react to me');
      const url = (emoji: string) => `${BASE}/rooms/${room.id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
      const first = await t.http().put(url('👍')).set(ann.auth).expect(200);
      expect(first.body.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
      expect(first.body.version).toBe(message.version + 1);
      await t.http().put(url('👍')).set(bob.auth).expect(200);
      const again = await t.http().put(url('👍')).set(bob.auth).expect(200);
      expect(again.body.version).toBe(message.version + 2);
      await t.http().put(url(':party:')).set(bob.auth).expect(200);
      const asAnn = await t.http().get(`${BASE}/rooms/${room.id}/messages/${message.id}`).set(ann.auth).expect(200);
      expect(asAnn.body.reactions).toEqual([
        { emoji: '👍', count: 2, me: true },
        { emoji: ':party:', count: 1, me: false },
      ]);
      const asBob = await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).expect(200);
      expect(asBob.body.items[0].reactions).toEqual([
        { emoji: '👍', count: 2, me: true },
        { emoji: ':party:', count: 1, me: true },
      ]);
      const removed = await t.http().delete(url('👍')).set(ann.auth).expect(200);
      expect(removed.body.reactions).toEqual([
        { emoji: '👍', count: 1, me: false },
        { emoji: ':party:', count: 1, me: false },
      ]);
      const invalid = await t.http().put(url('notanemoji')).set(ann.auth).expect(400);
      expect(invalid.body.message).toContain('Invalid reaction');
      await t.http().put(url('👍👍')).set(ann.auth).expect(400);
    });
  });

  describe('read state', () => {
    it('counts unread messages from others, moved by read, seen and own messages, never backwards', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const sent: MessageBody[] = [];
      for (let i = 0; i < 5; i++) sent.push(await chat.send(ann, room.id, `m${i}`));
      expect((await chat.room(bob, room.id)).me.unreadCount).toBe(5);
      const read = await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: 2 }).expect(200);
      expect(read.body).toEqual({ roomId: room.id, lastReadSeq: 2, lastDeliveredSeq: 2, unreadCount: 3 });
      const back = await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: 1 }).expect(200);
      expect(back.body.lastReadSeq).toBe(2);
      const seen = await t.http().post(`${BASE}/rooms/${room.id}/messages/seen`).set(bob.auth).send({ messageIds: [sent[1].id, sent[3].id] }).expect(200);
      expect(seen.body).toMatchObject({ lastReadSeq: 4, unreadCount: 1 });
      await chat.send(bob, room.id, 'my own');
      expect((await chat.room(bob, room.id)).me).toMatchObject({ lastReadSeq: 6, unreadCount: 0 });
      expect((await chat.room(ann, room.id)).me).toMatchObject({ lastReadSeq: 5, unreadCount: 1 });
      const beyond = await t.http().post(`${BASE}/rooms/${room.id}/read`).set(ann.auth).send({ seq: 1000 }).expect(200);
      expect(beyond.body).toMatchObject({ lastReadSeq: 6, unreadCount: 0 });
      await t.http().post(`${BASE}/rooms/${room.id}/read`).set(ann.auth).send({ seq: -1 }).expect(400);
      await t.http().post(`${BASE}/rooms/${room.id}/read`).set(ann.auth).send({}).expect(400);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/seen`).set(ann.auth).send({ messageIds: [] }).expect(400);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/seen`).set(ann.auth).send({ messageIds: ['00000000-0000-0000-0000-000000000000'] }).expect(404);
      const list = await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
      expect(list.body.items[0].me.unreadCount).toBe(0);
    });

    it('reports receipts from the pointers, never listing the sender, and delivery separately', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob, cat]);
      const message = await chat.send(ann, room.id, 'hello');
      const receipts = () => t.http().get(`${BASE}/rooms/${room.id}/messages/${message.id}/receipts`).set(ann.auth).expect(200);
      expect((await receipts()).body).toEqual({ seenBy: [], deliveredTo: [] });
      const delivered = await t.http().post(`${BASE}/rooms/${room.id}/delivered`).set(cat.auth).send({ seq: 1 }).expect(200);
      expect(delivered.body).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 1, unreadCount: 1 });
      await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: 1 }).expect(200);
      expect((await receipts()).body).toEqual({ seenBy: [bob.id], deliveredTo: [bob.id, cat.id].sort() });
      const member = await t.http().get(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).expect(200);
      expect(member.body).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 1 });
    });
  });

  describe('pins', () => {
    it('lets owner and admins pin; every member lists pins', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const m1 = await chat.send(bob, room.id, 'one');
      const m2 = await chat.send(bob, room.id, 'two');
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${m1.id}/pin`).set(bob.auth).expect(403);
      const pinned = await t.http().post(`${BASE}/rooms/${room.id}/messages/${m1.id}/pin`).set(ann.auth).expect(200);
      expect(pinned.body).toMatchObject({ pinned: true, version: m2.version + 1 });
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${m2.id}/pin`).set(ann.auth).expect(200);
      const pins = await t.http().get(`${BASE}/rooms/${room.id}/pins`).set(bob.auth).expect(200);
      expect(pins.body.items.map((m: MessageBody) => m.id)).toEqual([m2.id, m1.id]);
      const paged = await chat.all<MessageBody>(bob, `${BASE}/rooms/${room.id}/pins`, { limit: 1 });
      expect(paged.map((m) => m.id)).toEqual([m2.id, m1.id]);
      await t.http().post(`${BASE}/rooms/${room.id}/messages/${m2.id}/unpin`).set(ann.auth).expect(200);
      const after = await t.http().get(`${BASE}/rooms/${room.id}/pins`).set(bob.auth).expect(200);
      expect(after.body.items.map((m: MessageBody) => m.id)).toEqual([m1.id]);
    });
  });

  describe('changes since a version', () => {
    it('returns exactly what changed after an edit, a delete and a member addition', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const keep = await chat.send(ann, room.id, 'unchanged');
      const edit = await chat.send(ann, room.id, 'to edit');
      const gone = await chat.send(bob, room.id, 'to delete');
      const since = (await chat.room(ann, room.id)).version;
      await t.http().patch(`${BASE}/rooms/${room.id}/messages/${edit.id}`).set(ann.auth).send({ body: 'edited' }).expect(200);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${gone.id}`).set(bob.auth).expect(204);
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
      const changes = await t.http().get(`${BASE}/rooms/${room.id}/changes`).query({ since }).set(bob.auth).expect(200);
      expect(changes.body.version).toBe(since + 3);
      expect(changes.body.room).toMatchObject({ id: room.id, version: since + 3, memberCount: 3 });
      expect(changes.body.messages.map((m: MessageBody) => [m.id, m.body, m.deletedAt !== null])).toEqual([
        [edit.id, 'edited', false],
        [gone.id, '', true],
      ]);
      expect(changes.body.members.map((m: { userId: string }) => m.userId)).toEqual([cat.id]);
      expect(changes.body.removedMemberIds).toEqual([]);
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).expect(204);
      const later = await t.http().get(`${BASE}/rooms/${room.id}/changes?since=${since + 3}`).set(bob.auth).expect(200);
      expect(later.body).toMatchObject({ version: since + 4, messages: [], members: [], removedMemberIds: [cat.id] });
      const everything = await t.http().get(`${BASE}/rooms/${room.id}/changes?since=0`).set(bob.auth).expect(200);
      expect(everything.body.messages.map((m: MessageBody) => m.id)).toEqual([keep.id, edit.id, gone.id]);
      await t.http().get(`${BASE}/rooms/${room.id}/changes`).set(bob.auth).expect(400);
      await t.http().get(`${BASE}/rooms/${room.id}/changes?since=-2`).set(bob.auth).expect(400);
      await t.http().get(`${BASE}/rooms/${room.id}/changes?since=0`).set(cat.auth).expect(404);
    });
  });

  describe('outsiders', () => {
    it('get 404 from every message route of a room they are not in', async () => {
      const [ann, eve] = [t.user(), t.user()];
      const room = await chat.group(ann, [], { isPublic: true });
      const message = await chat.send(ann, room.id, 'members only');
      const r = `${BASE}/rooms/${room.id}`;
      const m = `${r}/messages/${message.id}`;
      const routes: Array<[string, string, object?]> = [
        ['get', `${r}/messages`],
        ['post', `${r}/messages`, { body: 'hi' }],
        ['get', m],
        ['patch', m, { body: 'x' }],
        ['put', m, { body: 'x' }],
        ['delete', m],
        ['get', `${m}/history`],
        ['post', `${r}/messages/seen`, { messageIds: [message.id] }],
        ['put', `${m}/reactions/${encodeURIComponent('👍')}`],
        ['delete', `${m}/reactions/${encodeURIComponent('👍')}`],
        ['get', `${m}/receipts`],
        ['post', `${m}/pin`],
        ['post', `${m}/unpin`],
        ['get', `${r}/pins`],
        ['post', `${r}/read`, { seq: 1 }],
        ['post', `${r}/delivered`, { seq: 1 }],
        ['get', `${r}/changes?since=0`],
      ];
      for (const [method, path, body] of routes) {
        const call = (t.http() as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path).set(eve.auth);
        const res = await (body ? call.send(body) : call);
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      const publicView = await chat.room(eve, room.id);
      expect(publicView).toMatchObject({ me: null, lastMessage: null });
      await t.http().get(`${r}/messages/00000000-0000-0000-0000-000000000000`).set(ann.auth).expect(404);
    });
  });
});
