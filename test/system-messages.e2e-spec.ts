import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SystemMessages } from '../libs/chat/src/common/system-messages';
import { RoomMembershipService } from '../libs/chat/src/members/room-membership.service';
import { RoomMemberEntity } from '../libs/chat/src/members/entities/room-member.entity';
import { BASE, chatClient } from './support/chat-client';
import { closeSockets, connectSocket, eventually, nextEvent, record } from './support/sockets';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

interface SystemMessageBody {
  id: string;
  seq: number;
  type: 'user' | 'system';
  senderId: string | null;
  body: string;
  version: number;
  system: { event: string; actorId: string; targetId: string | null } | null;
}

describe.each(DATABASES)('system messages (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp(kind);
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  /** A user whose display name the chat knows (names come from the tokens of requests the user made). */
  const known = async (name: string): Promise<TestUser> => {
    const user = t.user(name);
    await t.http().get(`${BASE}/rooms`).set(user.auth).expect(200);
    return user;
  };
  const history = async (user: TestUser, roomId: string): Promise<SystemMessageBody[]> =>
    (await chat.all<SystemMessageBody>(user, `${BASE}/rooms/${roomId}/messages`)).reverse();
  const newest = async (user: TestUser, roomId: string): Promise<SystemMessageBody> => (await history(user, roomId)).at(-1) as SystemMessageBody;

  it('records the creation of a group room as its first message, and nothing in a direct room', async () => {
    const [ann, bob] = [await known('Ann'), await known('Bob')];
    const room = await chat.group(ann, [bob]);
    expect(room.version).toBe(1);
    const messages = await history(bob, room.id);
    expect(messages).toEqual([
      expect.objectContaining({
        seq: 1,
        type: 'system',
        senderId: null,
        body: 'Ann created the room “Team”',
        version: 1,
        system: { event: 'room.created', actorId: ann.id, targetId: null },
      }),
    ]);
    const view = await chat.room(bob, room.id);
    expect(view).toMatchObject({ lastSeq: 1, version: 1, lastMessage: { id: messages[0].id, type: 'system' }, me: { unreadCount: 0, unreadMentionCount: 0 } });
    expect(view.lastMessageAt).not.toBeNull();

    const direct = (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body;
    expect(await history(ann, direct.id)).toEqual([]);
    expect(direct).toMatchObject({ lastSeq: 0, lastMessage: null });
  });

  it('records joins, adds, removals and leaves with the same version as the change and the next seq', async () => {
    const [ann, bob, cat, dan, eve] = [await known('Ann'), await known('Bob'), await known('Cat'), await known('Dan'), await known('Eve')];
    const room = await chat.group(ann, [bob], { isPublic: true });
    const steps: Array<{ act: () => Promise<unknown>; body: string; system: SystemMessageBody['system'] }> = [
      { act: () => t.http().post(`${BASE}/rooms/${room.id}/join`).set(cat.auth).expect(200), body: 'Cat joined', system: { event: 'member.joined', actorId: cat.id, targetId: null } },
      {
        act: () => t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: dan.id }).expect(201),
        body: 'Ann added Dan',
        system: { event: 'member.added', actorId: ann.id, targetId: dan.id },
      },
      {
        act: () => t.http().delete(`${BASE}/rooms/${room.id}/members/${dan.id}`).set(ann.auth).expect(204),
        body: 'Ann removed Dan',
        system: { event: 'member.removed', actorId: ann.id, targetId: dan.id },
      },
      { act: () => t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(cat.auth).expect(204), body: 'Cat left', system: { event: 'member.left', actorId: cat.id, targetId: null } },
      { act: () => t.http().post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(204), body: 'Bob left', system: { event: 'member.left', actorId: bob.id, targetId: null } },
    ];
    for (const step of steps) {
      const before = await chat.room(ann, room.id);
      await step.act();
      const after = await chat.room(ann, room.id);
      expect(after.version).toBe(before.version + 1);
      expect(after.lastSeq).toBe(before.lastSeq + 1);
      const message = await newest(ann, room.id);
      expect(message).toMatchObject({ type: 'system', senderId: null, body: step.body, system: step.system, seq: after.lastSeq, version: after.version });
      expect(after.lastMessage).toMatchObject({ id: message.id });
    }
    // A user message beside them: type "user", no system part.
    const sent = await chat.send(ann, room.id, 'still here');
    expect(sent).toMatchObject({ type: 'user', senderId: ann.id, system: null });
    // Eve never was a member: the removals above do not concern her, and she sees nothing of the private history.
    await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(eve.auth).expect(404);
  });

  it('records a rename (not other edits), with the new title', async () => {
    const [ann, bob] = [await known('Ann'), await known('Bob')];
    const room = await chat.group(ann, [bob]);
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ description: 'About us' }).expect(200);
    expect((await history(ann, room.id)).map((m) => m.system?.event)).toEqual(['room.created']);
    const renamed = (await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Crew' }).expect(200)).body;
    const message = await newest(bob, room.id);
    expect(message).toMatchObject({ body: 'Ann renamed the room to “Crew”', system: { event: 'room.renamed', actorId: ann.id, targetId: null }, version: renamed.version, seq: renamed.lastSeq });
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: '' }).expect(200);
    expect((await newest(bob, room.id)).body).toBe("Ann removed the room's title");
  });

  it('never counts as unread, for mentions neither', async () => {
    const [ann, bob, cat] = [await known('Ann'), await known('Bob'), await known('Cat')];
    const room = await chat.group(ann, [bob]);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Renamed' }).expect(200);
    for (const user of [bob, cat]) expect((await chat.room(user, room.id)).me).toMatchObject({ lastReadSeq: 0, unreadCount: 0, unreadMentionCount: 0 });
    // Sentinel: a user message after them counts, and alone.
    await chat.send(ann, room.id, 'hello');
    expect((await chat.room(bob, room.id)).me).toMatchObject({ unreadCount: 1 });
    const listed = (await t.http().get(`${BASE}/rooms`).set(cat.auth).expect(200)).body.items.find((r: { id: string }) => r.id === room.id);
    expect(listed.me.unreadCount).toBe(1);
    // Read pointers pass over them like any message: receipts list every member who read past one (it has no sender).
    const added = (await history(bob, room.id)).find((m) => m.system?.event === 'member.added') as SystemMessageBody;
    await t.http().post(`${BASE}/rooms/${room.id}/read`).set(bob.auth).send({ seq: added.seq }).expect(200);
    const receipts = (await t.http().get(`${BASE}/rooms/${room.id}/messages/${added.id}/receipts`).set(ann.auth).expect(200)).body;
    // Ann read past it by sending 'hello'; Cat has read nothing.
    expect([...receipts.seenBy].sort()).toEqual([ann.id, bob.id].sort());
  });

  it('cannot be edited, deleted, reacted to, replied to or pinned (409; pins stay 403 for plain members)', async () => {
    const [ann, bob] = [await known('Ann'), await known('Bob')];
    const room = await chat.group(ann, [bob]);
    const [created] = await history(ann, room.id);
    const path = `${BASE}/rooms/${room.id}/messages/${created.id}`;
    for (const user of [ann, bob]) {
      expect((await t.http().patch(path).set(user.auth).send({ body: 'forged' }).expect(409)).body.code).toBe('CONFLICT');
      await t.http().put(path).set(user.auth).send({ body: 'forged' }).expect(409);
      await t.http().delete(path).set(user.auth).expect(409);
      await t.http().put(`${path}/reactions/${encodeURIComponent('👍')}`).set(user.auth).expect(409);
      await t.http().delete(`${path}/reactions/${encodeURIComponent('👍')}`).set(user.auth).expect(409);
      await chat.send(user, room.id, 'a reply', { parentId: created.id }, 409);
    }
    await t.http().post(`${path}/pin`).set(ann.auth).expect(409);
    await t.http().post(`${path}/unpin`).set(ann.auth).expect(409);
    await t.http().post(`${path}/pin`).set(bob.auth).expect(403);
    // Outsiders still learn nothing: 404.
    await t.http().delete(path).set(t.user().auth).expect(404);
    const after = await chat.room(ann, room.id);
    expect(after).toMatchObject({ version: 1, lastSeq: 1 });
    expect(await history(ann, room.id)).toEqual([expect.objectContaining({ body: 'Ann created the room “Team”', deletedAt: null, reactions: [], replyCount: 0, pinned: false })]);
  });

  it('publishes message.created after the change, with the same version', async () => {
    const [ann, bob, cat] = [await known('Ann'), await known('Bob'), await known('Cat')];
    const room = await chat.group(ann, [bob]);
    const socket = await connectSocket(t.url, bob.token);
    const order: string[] = [];
    for (const event of ['member.added', 'member.removed', 'message.created', 'room.updated'] as const) socket.on(event, () => order.push(event));
    const added = nextEvent(socket, 'member.added', (p) => p.member.userId === cat.id);
    const createdOfAdd = nextEvent(socket, 'message.created', (p) => p.message.system?.event === 'member.added');
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
    const [memberEvent, messageEvent] = await Promise.all([added, createdOfAdd]);
    expect(messageEvent.version).toBe(memberEvent.version);
    expect(messageEvent.message).toMatchObject({ type: 'system', senderId: null, body: 'Ann added Cat', version: memberEvent.version });

    const removed = nextEvent(socket, 'member.removed', (p) => p.member.userId === cat.id);
    const createdOfRemove = nextEvent(socket, 'message.created', (p) => p.message.system?.event === 'member.removed');
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).expect(204);
    expect((await createdOfRemove).version).toBe((await removed).version);

    const renamed = nextEvent(socket, 'room.updated');
    const createdOfRename = nextEvent(socket, 'message.created', (p) => p.message.system?.event === 'room.renamed');
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'New' }).expect(200);
    expect((await createdOfRename).version).toBe((await renamed).version);
    expect(order).toEqual(['member.added', 'message.created', 'member.removed', 'message.created', 'room.updated', 'message.created']);
  });

  it('sends the added member the message of their own addition', async () => {
    const [ann, cat] = [await known('Ann'), await known('Cat')];
    const room = await chat.group(ann);
    const socket = await connectSocket(t.url, cat.token);
    const created = nextEvent(socket, 'message.created', (p) => p.roomId === room.id);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
    expect((await created).message).toMatchObject({ body: 'Ann added Cat', system: { targetId: cat.id } });
  });

  it('comes back through sync like other messages', async () => {
    const [ann, bob, cat] = [await known('Ann'), await known('Bob'), await known('Cat')];
    const room = await chat.group(ann, [bob]);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).expect(204);
    const changes = (await t.http().get(`${BASE}/rooms/${room.id}/changes`).query({ since: 1 }).set(bob.auth).expect(200)).body;
    expect(changes.version).toBe(3);
    expect(changes.messages).toEqual([
      expect.objectContaining({ seq: 2, version: 2, type: 'system', body: 'Ann added Cat' }),
      expect.objectContaining({ seq: 3, version: 3, type: 'system', body: 'Ann removed Cat' }),
    ]);
    expect(changes.removedMemberIds).toEqual([cat.id]);
    const fromStart = (await t.http().get(`${BASE}/rooms/${room.id}/changes`).query({ since: 0 }).set(bob.auth).expect(200)).body;
    expect(fromStart.messages.map((m: SystemMessageBody) => m.system?.event)).toEqual(['room.created', 'member.added', 'member.removed']);
  });

  it('records a ban through SystemMessages.record in the ban transaction (the moderation code calls it so)', async () => {
    const [ann, bob, cat] = [await known('Ann'), await known('Bob'), await known('Cat')];
    const room = await chat.group(ann, [bob, cat]);
    const socket = await connectSocket(t.url, bob.token);
    const events = record(socket, 'message.created');
    const dataSource = t.app.get<DataSource>(getDataSourceToken());
    const membership = t.app.get(RoomMembershipService, { strict: false });
    const systemMessages = t.app.get(SystemMessages, { strict: false });
    const { version, recorded } = await dataSource.transaction(async (manager) => {
      const target = await manager.getRepository(RoomMemberEntity).findOneByOrFail({ roomId: room.id, userId: cat.id });
      const version = await membership.remove(manager, target);
      return { version, recorded: await systemMessages.record(manager, { id: room.id, type: 'group', version }, { event: 'member.banned', actorId: ann.id, targetId: cat.id }) };
    });
    recorded.publish();
    await eventually(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ roomId: room.id, version, message: { body: 'Ann banned Cat', system: { event: 'member.banned', actorId: ann.id, targetId: cat.id }, version, seq: 2 } });
    expect(await chat.room(bob, room.id)).toMatchObject({ version, lastSeq: 2, memberCount: 2 });
  });

  it('names users by id when the chat knows no name for them', async () => {
    const ann = await known('Ann');
    const stranger = t.user('Never seen');
    const room = await chat.group(ann);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: stranger.id }).expect(201);
    expect((await newest(ann, room.id)).body).toBe(`Ann added ${stranger.id}`);
  });

  describe('turned off (systemMessages: false)', () => {
    let off: TestApp;
    beforeAll(async () => {
      off = await startTestApp(kind, { systemMessages: false });
    });
    afterAll(async () => {
      await off?.close();
    });

    it('writes none, and the changes keep their versions', async () => {
      const offChat = chatClient(off);
      const [ann, bob, cat] = [off.user('Ann'), off.user('Bob'), off.user('Cat')];
      const room = await offChat.group(ann, [bob], { isPublic: true });
      await off.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
      await off.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Renamed' }).expect(200);
      await off.http().post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(204);
      // Sentinel: a user message is seq 1, so no system message took a seq before it.
      const sent = await offChat.send(ann, room.id, 'first');
      expect(sent).toMatchObject({ seq: 1, type: 'user', system: null });
      const view = await offChat.room(ann, room.id);
      expect(view).toMatchObject({ version: 5, lastSeq: 1 });
      expect((await offChat.all<SystemMessageBody>(ann, `${BASE}/rooms/${room.id}/messages`)).map((m) => m.type)).toEqual(['user']);
    });
  });
});
