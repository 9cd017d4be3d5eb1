import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { generateVAPIDKeys } from 'web-push';
import { CHAT_BASE, FaultNode, api, cleanUpAfterAll, createDatabase, faultUser, until, type FaultUser } from './support/fault-services';
import { FakeFcm, FakePushService, FakeWebhookReceiver, TestCa, type TestSubscription } from './support/notification-fakes';
import { pngImage } from './support/image-fixtures';
import { closeSockets, connectSocket } from './support/sockets';

/**
 * Push notifications and webhooks end to end: a built server process (TLS verification on, trusting the test CA
 * through NODE_EXTRA_CA_CERTS) against a fake FCM (OAuth token endpoint + HTTP v1 API), a fake Web Push service
 * that decrypts every payload (RFC 8291), and a webhook receiver that checks signatures. An absence is proven once
 * the server's queues are empty (`drained`): every delivery it was ever going to make has then been made.
 */
describe('notifications: who is notified, drivers, retries (server process, fakes)', () => {
  cleanUpAfterAll();
  let ca: TestCa;
  let fcm: FakeFcm;
  let pushService: FakePushService;
  let hooks: FakeWebhookReceiver;
  let databaseUrl: string;
  let db: Client;
  let node: FaultNode;
  let vapid: { publicKey: string; privateKey: string };

  const env = (): Record<string, string> => ({
    NODE_EXTRA_CA_CERTS: ca.caFile,
    FCM_SERVICE_ACCOUNT_FILE: fcm.writeServiceAccount().path,
    FCM_API_URL: fcm.origin,
    WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
    WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
    WEBPUSH_SUBJECT: 'mailto:ops@parley.test',
    WEBPUSH_ALLOWED_HOSTS: pushService.host,
    WEBHOOK_URL: hooks.url,
    WEBHOOK_SECRET: hooks.secret,
  });

  beforeAll(async () => {
    ca = TestCa.create();
    [fcm, pushService, hooks] = await Promise.all([FakeFcm.start(ca), FakePushService.start(ca), FakeWebhookReceiver.start(ca)]);
    vapid = generateVAPIDKeys();
    databaseUrl = await createDatabase();
    db = new Client({ connectionString: databaseUrl });
    db.on('error', () => undefined); // The database is dropped (FORCE) by the clean-up.
    await db.connect();
    node = await FaultNode.start({ env: { ...env(), DATABASE_URL: databaseUrl }, readyTimeoutMs: 90_000 });
  }, 150_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await db?.end();
    await Promise.all([fcm?.close(), pushService?.close(), hooks?.close()]);
  });

  /** Every outbox row dispatched and every delivery made (or dropped): nothing more will be sent. */
  const drained = () =>
    until('the notification queues to drain', async () => {
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM chat_outbox)::int AS outbox, (SELECT count(*) FROM chat_deliveries)::int AS deliveries`);
      if (rows[0].outbox + rows[0].deliveries === 0) return true;
      throw new Error(`${JSON.stringify(rows[0])} pending; the server's warnings: ${node.lines.filter((line) => line.level >= 40).slice(-5).map((line) => line.msg).join(' | ')}`);
    }, 15_000);

  const fcmDevice = async (user: FaultUser): Promise<{ id: string; token: string }> => {
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    const { status, body } = await api(node, user, 'POST', '/devices', { platform: 'fcm', token });
    expect(status).toBe(201);
    return { id: body.id, token };
  };
  const webPushDevice = async (user: FaultUser): Promise<{ id: string; subscription: TestSubscription }> => {
    const subscription = pushService.subscribe();
    const { status, body } = await api(node, user, 'POST', '/devices', { platform: 'webpush', subscription });
    expect(status).toBe(201);
    return { id: body.id, subscription };
  };
  const group = async (owner: FaultUser, members: FaultUser[], title: string): Promise<string> => {
    const { status, body } = await api(node, owner, 'POST', '/rooms', { type: 'group', title, memberIds: members.map((member) => member.id) });
    expect(status).toBe(201);
    return body.id;
  };
  const send = async (from: FaultUser, roomId: string, body: Record<string, unknown>) => {
    const response = await api(node, from, 'POST', `/rooms/${roomId}/messages`, body);
    expect(response.status).toBe(201);
    return response.body as { id: string; seq: number; roomId: string };
  };
  const level = async (user: FaultUser, roomId: string, settings: { level: string; mutedUntil?: string | null }) => {
    expect((await api(node, user, 'PUT', `/rooms/${roomId}/notifications`, settings)).status).toBe(200);
  };

  it('pushes each new message to every device of the offline members whose settings allow it, and to nobody else', async () => {
    const [sender, all, online, none, mentionsOnly, mentioned, mutedLater, mutedBefore, noDevice] = ['sender', 'all', 'online', 'none', 'quiet', 'named', 'later', 'before', 'nodevice'].map(faultUser);
    const members = [all, online, none, mentionsOnly, mentioned, mutedLater, mutedBefore, noDevice];
    const roomId = await group(sender, members, 'Rules room');
    const devices = {
      sender: await fcmDevice(sender),
      allFcm: await fcmDevice(all),
      allWeb: await webPushDevice(all),
      online: await fcmDevice(online),
      none: await fcmDevice(none),
      mentionsOnly: await fcmDevice(mentionsOnly),
      mentioned: await webPushDevice(mentioned),
      mutedLater: await fcmDevice(mutedLater),
      mutedBefore: await fcmDevice(mutedBefore),
    };
    expect((await api(node, none, 'POST', `/rooms/${roomId}/mute`)).status).toBe(200);
    await level(mentionsOnly, roomId, { level: 'mentions' });
    await level(mentioned, roomId, { level: 'mentions' });
    await level(mutedLater, roomId, { level: 'all', mutedUntil: new Date(Date.now() + 3600_000).toISOString() });
    await level(mutedBefore, roomId, { level: 'all', mutedUntil: new Date(Date.now() - 1000).toISOString() });
    await connectSocket(node.url, online.token);

    const text = `Hello @named, ${'a long story that goes on and on '.repeat(6)}the end`;
    const message = await send(sender, roomId, { body: text, mentions: [mentioned.id] });
    await drained();

    const forMessage = <T extends { target: string }>(list: T[], data: (item: T) => { messageId?: string }) => list.filter((item) => data(item).messageId === message.id).map((item) => item.target);
    expect(forMessage(fcm.received, (push) => push.data).sort()).toEqual([devices.allFcm.token, devices.mutedBefore.token].sort());
    expect(forMessage(pushService.received, (push) => push.payload.data).sort()).toEqual([devices.allWeb.subscription.endpoint, devices.mentioned.subscription.endpoint].sort());
    const notified = hooks.unique((event) => event.type === 'notification' && event.data.messageId === message.id).map((event) => event.data.userId);
    expect(notified.sort()).toEqual([all.id, mentioned.id, mutedBefore.id, noDevice.id].sort());

    // Content: the room's title, the text cut to about 100 characters, string data.
    const [push] = fcm.received.filter((item) => item.target === devices.allFcm.token);
    expect(push.title).toBe('Rules room');
    expect([...push.body].length).toBeLessThanOrEqual(100);
    expect(push.body.endsWith('…')).toBe(true);
    expect(text.startsWith(push.body.slice(0, -1).trimEnd())).toBe(true);
    expect(push.data).toEqual({ roomId, messageId: message.id, seq: String(message.seq) });
    const [webPush] = pushService.received.filter((item) => item.target === devices.allWeb.subscription.endpoint);
    expect(webPush.payload).toEqual({ title: 'Rules room', body: push.body, data: { roomId, messageId: message.id, seq: String(message.seq) } });
    expect(webPush.headers.vapidSubject).toBe('mailto:ops@parley.test');
    const [notification] = hooks.unique((event) => event.type === 'notification' && event.data.userId === noDevice.id);
    expect(notification.data).toEqual({ userId: noDevice.id, roomId, messageId: message.id, title: 'Rules room', body: push.body });
    const [created] = hooks.unique((event) => event.type === 'message.created' && event.data.message?.id === message.id);
    expect(created.data).toMatchObject({ roomId, message: { id: message.id, seq: message.seq, mentions: [mentioned.id] } });
    expect(hooks.badSignatures).toBe(0);
    // The device a push went to is marked used.
    const { body: listed } = await api(node, all, 'GET', '/devices');
    expect(listed.items.find((item: { id: string }) => item.id === devices.allFcm.id).lastUsedAt).not.toBeNull();
  });

  it('titles a direct-room push with the sender’s name and gives images-only messages a word', async () => {
    const ann = faultUser('Ann');
    const bob = faultUser('Bob');
    const device = await fcmDevice(bob);
    const { status, body: room } = await api(node, ann, 'POST', '/rooms', { type: 'direct', memberIds: [bob.id] });
    expect([200, 201]).toContain(status);
    const message = await send(ann, room.id, { body: 'hi   there\n\nBob' });
    const [push] = await fcm.waitFor((item) => item.target === device.token && item.data.messageId === message.id);
    expect(push.title).toBe('Ann');
    expect(push.body).toBe('hi there Bob');

    const upload = new FormData();
    upload.append('file', new Blob([await pngImage()], { type: 'image/png' }), 'photo.png');
    const uploaded = await fetch(`${node.url}${CHAT_BASE}/images`, { method: 'POST', headers: { Authorization: `Bearer ${ann.token}` }, body: upload });
    expect(uploaded.status).toBe(201);
    const image = (await uploaded.json()) as { id: string };
    const photo = await send(ann, room.id, { imageIds: [image.id] });
    const [imagePush] = await fcm.waitFor((item) => item.target === device.token && item.data.messageId === photo.id);
    expect(imagePush.body).toBe('Image');
  });

  it('deletes the devices a provider reports gone: FCM UNREGISTERED, Web Push 404 and 410', async () => {
    const [sender, owner] = [faultUser('sender'), faultUser('owner')];
    const roomId = await group(sender, [owner], 'Gone devices');
    const [stale, kept] = [await fcmDevice(owner), await fcmDevice(owner)];
    const [expired, unknown] = [await webPushDevice(owner), await webPushDevice(owner)];
    fcm.unregister(stale.token);
    pushService.respond(expired.subscription.endpoint, 410);
    pushService.respond(unknown.subscription.endpoint, 404);
    const message = await send(sender, roomId, { body: 'are you there?' });
    await drained();
    const { body } = await api(node, owner, 'GET', '/devices');
    expect(body.items.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect(fcm.received.filter((push) => push.data.messageId === message.id).map((push) => push.target).sort()).toEqual([stale.token, kept.token].sort());
    // A later message goes to the one device left.
    const next = await send(sender, roomId, { body: 'again' });
    await drained();
    expect(fcm.received.filter((push) => push.data.messageId === next.id).map((push) => push.target)).toEqual([kept.token]);
    expect(pushService.received.filter((push) => push.payload.data.messageId === next.id)).toEqual([]);
  });

  it('sends a pending push of a device that moved to another user to nobody, and does not mark the device used', async () => {
    const [sender, bob, cat] = [faultUser('sender'), faultUser('bob'), faultUser('cat')];
    const roomId = await group(sender, [bob], 'Moved device');
    const device = await fcmDevice(bob);
    // The first attempt fails; the retry comes after the device has moved to Cat (who is not in the room).
    fcm.respond(device.token, 503, { times: 1, headers: { 'retry-after': '4' } });
    const message = await send(sender, roomId, { body: 'for Bob only' });
    await fcm.waitFor((push) => push.target === device.token && push.data.messageId === message.id);
    const moved = await api(node, cat, 'POST', '/devices', { platform: 'fcm', token: device.token });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: device.id, lastUsedAt: null });
    await drained();
    expect(fcm.received.filter((push) => push.target === device.token && push.data.messageId === message.id)).toHaveLength(1);
    expect((await api(node, cat, 'GET', '/devices')).body.items).toEqual([expect.objectContaining({ id: device.id, lastUsedAt: null })]);
    expect((await api(node, bob, 'GET', '/devices')).body.items).toEqual([]);
  }, 60_000);

  it('retries failed deliveries with backoff, keeps a room’s webhooks in order, and logs a failing streak once', async () => {
    const owner = faultUser('owner');
    const member = faultUser('member');
    const [first, second] = [await group(owner, [], 'Retry one'), await group(owner, [], 'Retry two')];
    const device = await fcmDevice(member);
    await drained();
    const since = node.lines.length;
    hooks.failEach((event) => event.type === 'room.updated' && ['one-a', 'two-a'].includes(event.data.room?.title), 2);
    fcm.respond(device.token, 503, { times: 1, headers: { 'retry-after': '1' } });

    expect((await api(node, owner, 'PATCH', `/rooms/${first}`, { title: 'one-a' })).status).toBe(200);
    expect((await api(node, owner, 'PATCH', `/rooms/${first}`, { title: 'one-b' })).status).toBe(200);
    expect((await api(node, owner, 'PATCH', `/rooms/${second}`, { title: 'two-a' })).status).toBe(200);
    expect((await api(node, owner, 'POST', `/rooms/${second}/members`, { userId: member.id })).status).toBe(201);
    const message = await send(owner, second, { body: 'after a 503' });
    await drained();

    const stampsOf = (title: string) => hooks.received.filter((event) => event.type === 'room.updated' && event.data.room?.title === title).map((event) => event.receivedAt);
    const titles = (roomId: string) => hooks.received.filter((event) => event.type === 'room.updated' && event.data.roomId === roomId).map((event) => `${event.data.room.title}#${event.attempt}`);
    // one-a failed twice and was sent the third time; one-b waited for it.
    expect(titles(first)).toEqual(['one-a#1', 'one-a#2', 'one-a#3', 'one-b#1']);
    expect(titles(second)).toEqual(['two-a#1', 'two-a#2', 'two-a#3']);
    // The room's later events waited behind two-a as well.
    const secondRoom = hooks.received.filter((event) => event.data.roomId === second && event.type !== 'notification' && event.receivedAt >= stampsOf('two-a')[0]);
    expect(secondRoom.map((event) => event.type)).toEqual(['room.updated', 'room.updated', 'room.updated', 'member.added', 'message.created']);
    // Backoff: about 2 s, then about 4 s, between the attempts.
    const stamps = stampsOf('one-a');
    expect(stamps[1] - stamps[0]).toBeGreaterThanOrEqual(1500);
    expect(stamps[2] - stamps[1]).toBeGreaterThanOrEqual(3500);
    // FCM: 503 with Retry-After, then sent; the device stays.
    expect(fcm.received.filter((push) => push.target === device.token && push.data.messageId === message.id)).toHaveLength(2);
    expect((await api(node, member, 'GET', '/devices')).body.items).toHaveLength(1);
    // One warning for the failing webhook streak, one line when it works again; not one per attempt.
    const logged = node.lines.slice(since);
    expect(logged.filter((line) => /Webhook deliveries are failing/.test(line.msg))).toHaveLength(1);
    expect(logged.filter((line) => /Webhook deliveries work again/.test(line.msg))).toHaveLength(1);
  }, 60_000);

  it('sends every domain event of a room to the webhook, signed, once per id', async () => {
    const [owner, guest] = [faultUser('owner'), faultUser('guest')];
    const roomId = await group(owner, [], 'Events');
    expect((await api(node, owner, 'POST', `/rooms/${roomId}/members`, { userId: guest.id })).status).toBe(201);
    const message = await send(owner, roomId, { body: 'first words' });
    expect((await api(node, owner, 'PATCH', `/rooms/${roomId}/messages/${message.id}`, { body: 'edited words' })).status).toBe(200);
    expect((await api(node, owner, 'DELETE', `/rooms/${roomId}/messages/${message.id}`)).status).toBe(204);
    expect((await api(node, owner, 'PATCH', `/rooms/${roomId}/members/${guest.id}`, { role: 'admin' })).status).toBe(200);
    expect((await api(node, guest, 'POST', `/rooms/${roomId}/leave`)).status).toBeLessThan(300);
    expect((await api(node, owner, 'PATCH', `/rooms/${roomId}`, { title: 'Events renamed' })).status).toBe(200);
    expect((await api(node, owner, 'DELETE', `/rooms/${roomId}`)).status).toBe(204);
    // Events other than message.created reach the outbox right after their commit, not inside it: wait for the last.
    await hooks.waitFor((event) => event.type === 'room.deleted' && event.data.roomId === roomId);
    await drained();
    const all = hooks.unique((event) => event.data.roomId === roomId && event.type !== 'notification');
    const events = all.slice(all.findIndex((event) => event.type === 'member.added' && event.data.member.userId === guest.id));
    expect(events.map((event) => event.type)).toEqual(['member.added', 'message.created', 'message.updated', 'message.deleted', 'member.updated', 'member.removed', 'room.updated', 'room.deleted']);
    expect(events[4].data.member).toMatchObject({ userId: guest.id, role: 'admin' });
    expect(events[5].data.member.userId).toBe(guest.id);
    expect(events[6].data.room).toMatchObject({ id: roomId, title: 'Events renamed' });
    expect(events[7].data).toMatchObject({ roomId });
    expect(events.find((event) => event.type === 'message.updated')?.data.message.body).toBe('edited words');
    expect(events.find((event) => event.type === 'message.deleted')?.data.messageId).toBe(message.id);
    for (const event of events) {
      expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(event.createdAt))).toBe(false);
    }
    expect(new Set(hooks.received.map((event) => `${event.id}#${event.attempt}`)).size).toBe(hooks.received.length);
  });

  it('runs on the embedded database too (no DATABASE_URL)', async () => {
    const embedded = await FaultNode.start({ env: { ...env(), DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-embedded-')) }, readyTimeoutMs: 90_000 });
    const [sender, reader] = [faultUser('sender'), faultUser('reader')];
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    expect((await api(embedded, reader, 'POST', '/devices', { platform: 'fcm', token })).status).toBe(201);
    const { body: room } = await api(embedded, sender, 'POST', '/rooms', { type: 'group', title: 'Embedded', memberIds: [reader.id] });
    const { body: message } = await api(embedded, sender, 'POST', `/rooms/${room.id}/messages`, { body: 'from PGlite' });
    const [push] = await fcm.waitFor((item) => item.target === token);
    expect(push.data).toEqual({ roomId: room.id, messageId: message.id, seq: String(message.seq) });
    await hooks.waitFor((event) => event.type === 'notification' && event.data.messageId === message.id);
    await embedded.stop();
  }, 150_000);
});
