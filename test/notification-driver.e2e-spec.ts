import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule, type ChatNotification, type NotificationDriver } from '@parley/chat';
import request from 'supertest';
import { databaseOptions } from '../src/database/database-options';
import { eventually } from './support/sockets';
import { TEST_JWT_SECRET, tokenFor } from './support/test-app';

const BASE = '/api/v1/chat';

/**
 * A library host's own notifier (`notifications.drivers`): called once per member who would get a push, with their
 * devices, retried when it throws. In-process, on the embedded database (a fresh one, so no other spec's outbox).
 */
describe('NotificationDriver (library host, embedded database)', () => {
  let app: INestApplication;
  let url: string;
  const calls: ChatNotification[] = [];
  const failures = new Map<string, number>();
  const driver: NotificationDriver = {
    name: 'mailer',
    send: (notification) => {
      calls.push(notification);
      const left = failures.get(notification.body) ?? 0;
      if (left > 0) {
        failures.set(notification.body, left - 1);
        throw new Error('SMTP server busy');
      }
    },
  };
  /** Resolves once `count` calls match. */
  const called = async (where: (call: ChatNotification) => boolean, count = 1): Promise<ChatNotification[]> => {
    await eventually(() => expect(calls.filter(where).length).toBeGreaterThanOrEqual(count), 20_000, 20);
    return calls.filter(where);
  };
  const user = (name: string) => {
    const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
    return { id, auth: { Authorization: `Bearer ${tokenFor(id, name)}` } };
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot(databaseOptions({ dataDir: 'memory://' })),
        ChatModule.forRoot({ jwt: { secret: TEST_JWT_SECRET }, notifications: { drivers: [driver], delivery: { firstRetryMs: 200, pollIntervalMs: 200 } } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }, 90_000);
  afterAll(async () => {
    await app?.close();
  });

  it('is called for each member to notify, with their devices, and again after it throws', async () => {
    const [ann, bob, cid] = [user('ann'), user('bob'), user('cid')];
    const device = await request(url).post(`${BASE}/devices`).set(bob.auth).send({ platform: 'fcm', token: `token-${bob.id}` });
    const room = (await request(url).post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Mail room', memberIds: [bob.id, cid.id] }).expect(201)).body;
    await request(url).post(`${BASE}/rooms/${room.id}/mute`).set(cid.auth).expect(200);
    const first = (await request(url).post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'hello by mail' }).expect(201)).body;
    const [call] = await called((item) => item.messageId === first.id);
    expect(call).toMatchObject({ userId: bob.id, roomId: room.id, messageId: first.id, title: 'Mail room', body: 'hello by mail', data: { roomId: room.id, messageId: first.id, seq: String(first.seq) } });
    if (device.status === 201) expect(call.devices).toEqual([{ id: device.body.id, platform: 'fcm', target: `token-${bob.id}`, keys: null }]);

    // Throws twice, then works: three calls, about 200 ms then 400 ms apart; the muted member never.
    failures.set('try again', 2);
    const second = (await request(url).post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'try again' }).expect(201)).body;
    const tries = await called((item) => item.messageId === second.id, 3);
    expect(tries.map((item) => item.userId)).toEqual([bob.id, bob.id, bob.id]);
    expect(calls.filter((item) => item.userId === cid.id || item.userId === ann.id)).toEqual([]);
  });
});
