import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule, chatEntities, chatMigrations } from '@parley/chat';
import request from 'supertest';
import { bootstrapHost } from './fixtures/hosts/bootstrap-host';
import { BASE } from './support/chat-client';
import { DATABASES, TEST_JWT_SECRET, startTestApp, tokenFor, type TestApp, type TestUser } from './support/test-app';

/** A browser's subscription keys: an uncompressed P-256 public key and a 16-byte auth secret, base64url. */
function browserKeys(): { p256dh: string; auth: string } {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { p256dh: point.toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

/** A VAPID key pair as `web-push generate-vapid-keys` prints it. */
function vapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const priv = privateKey.export({ format: 'jwk' });
  return {
    publicKey: Buffer.concat([Buffer.from([4]), Buffer.from(pub.x!, 'base64url'), Buffer.from(pub.y!, 'base64url')]).toString('base64url'),
    privateKey: priv.d!,
  };
}

const fcmToken = () => `fcm-${randomBytes(48).toString('base64url')}`;
const endpoint = (host = 'fcm.googleapis.com') => `https://${host}/fcm/send/${randomUUID()}`;

interface Device {
  id: string;
  platform: 'fcm' | 'webpush';
  createdAt: string;
  lastUsedAt: string | null;
}

describe.each(DATABASES)('devices (%s, no notifications configured)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const register = (user: TestUser, body: unknown) => t.http().post(`${BASE}/devices`).set(user.auth).send(body as object);
  const list = async (user: TestUser) => (await t.http().get(`${BASE}/devices`).set(user.auth).expect(200)).body as { items: Device[] };

  it('registers an FCM token (201), answers the same device when it is registered again (200)', async () => {
    const ann = t.user();
    const token = fcmToken();
    const created = await register(ann, { platform: 'fcm', token }).expect(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), platform: 'fcm', createdAt: expect.any(String), lastUsedAt: null });
    expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);
    const again = await register(ann, { platform: 'fcm', token }).expect(200);
    expect(again.body).toEqual(created.body);
    expect(await list(ann)).toEqual({ items: [created.body] });
  });

  it('registers a Web Push subscription on a browser push service, and refreshes its keys when it comes again', async () => {
    const ann = t.user();
    const subscription = { endpoint: endpoint(), expirationTime: null, keys: browserKeys() };
    const created = await register(ann, { platform: 'webpush', subscription }).expect(201);
    expect(created.body).toMatchObject({ platform: 'webpush', lastUsedAt: null });
    const again = await register(ann, { platform: 'webpush', subscription: { endpoint: subscription.endpoint, keys: browserKeys() } }).expect(200);
    expect(again.body.id).toBe(created.body.id);
    for (const host of ['updates.push.services.mozilla.com', 'wns2-par02p.notify.windows.com', 'web.push.apple.com', 'FCM.googleapis.com']) {
      await register(ann, { platform: 'webpush', subscription: { endpoint: endpoint(host), keys: browserKeys() } }).expect(201);
    }
    expect((await list(ann)).items).toHaveLength(5);
  });

  it('moves a token or endpoint registered by another user to the caller', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const token = fcmToken();
    const subscription = { endpoint: endpoint(), keys: browserKeys() };
    const annFcm = (await register(ann, { platform: 'fcm', token }).expect(201)).body as Device;
    const annWeb = (await register(ann, { platform: 'webpush', subscription }).expect(201)).body as Device;
    const kept = (await register(ann, { platform: 'fcm', token: fcmToken() }).expect(201)).body as Device;
    const bobFcm = await register(bob, { platform: 'fcm', token }).expect(200);
    const bobWeb = await register(bob, { platform: 'webpush', subscription: { ...subscription, keys: browserKeys() } }).expect(200);
    expect([bobFcm.body.id, bobWeb.body.id]).toEqual([annFcm.id, annWeb.id]);
    expect((await list(ann)).items.map((device) => device.id)).toEqual([kept.id]);
    expect((await list(bob)).items.map((device) => device.id).sort()).toEqual([annFcm.id, annWeb.id].sort());
    // Ann can no longer delete what moved to Bob.
    await t.http().delete(`${BASE}/devices/${annFcm.id}`).set(ann.auth).expect(404);
  });

  it('lists only the caller’s devices', async () => {
    const [ann, bob, cat] = [t.user(), t.user(), t.user()];
    const annDevice = (await register(ann, { platform: 'fcm', token: fcmToken() }).expect(201)).body as Device;
    await register(bob, { platform: 'fcm', token: fcmToken() }).expect(201);
    expect(await list(ann)).toEqual({ items: [annDevice] });
    expect(await list(cat)).toEqual({ items: [] });
  });

  it('deletes the caller’s device (204); another user’s, an unknown or a malformed id is 404', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const annDevice = (await register(ann, { platform: 'fcm', token: fcmToken() }).expect(201)).body as Device;
    for (const id of [annDevice.id, randomUUID(), 'not-a-device']) {
      const res = await t.http().delete(`${BASE}/devices/${id}`).set(bob.auth).expect(404);
      expect(res.body.code).toBe('DEVICE_NOT_FOUND');
    }
    expect((await list(ann)).items).toHaveLength(1);
    await t.http().delete(`${BASE}/devices/${annDevice.id.toUpperCase()}`).set(ann.auth).expect(204);
    expect((await list(ann)).items).toEqual([]);
    await t.http().delete(`${BASE}/devices/${annDevice.id}`).set(ann.auth).expect(404);
  });

  it('refuses a Web Push endpoint that is not https on an allowed push service (SSRF): 400 PUSH_ENDPOINT_NOT_ALLOWED', async () => {
    const ann = t.user();
    const refused = [
      'http://fcm.googleapis.com/fcm/send/x',
      'https://127.0.0.1/push',
      'https://localhost/push',
      'https://[::1]/push',
      'https://169.254.169.254/latest/meta-data',
      'https://evil.example.com/push',
      'https://fcm.googleapis.com.evil.example.com/x',
      'https://evilfcm.googleapis.com/x',
      'https://notify.windows.com.evil.example.com/x',
      'https://fcm.googleapis.com:8443/x',
      'https://user:secret@fcm.googleapis.com/x',
      'file:///etc/passwd',
      'not a url',
    ];
    for (const url of refused) {
      const res = await register(ann, { platform: 'webpush', subscription: { endpoint: url, keys: browserKeys() } });
      expect([url, res.status, res.body.code]).toEqual([url, 400, 'PUSH_ENDPOINT_NOT_ALLOWED']);
    }
    expect((await list(ann)).items).toEqual([]);
  });

  it('refuses bad bodies with 400 INVALID_INPUT', async () => {
    const ann = t.user();
    const keys = browserKeys();
    const bad: unknown[] = [
      {},
      { token: fcmToken() },
      { platform: 'apns', token: fcmToken() },
      { platform: 'fcm' },
      { platform: 'fcm', token: '' },
      { platform: 'fcm', token: 42 },
      { platform: 'fcm', token: 'x'.repeat(4097) },
      { platform: 'fcm', token: 'bad\u0000token' },
      { platform: 'fcm', token: fcmToken(), extra: true },
      { platform: 'fcm', token: fcmToken(), subscription: { endpoint: endpoint(), keys } },
      { platform: 'webpush' },
      { platform: 'webpush', token: fcmToken() },
      { platform: 'webpush', subscription: null },
      { platform: 'webpush', subscription: 'https://fcm.googleapis.com/x' },
      { platform: 'webpush', subscription: { endpoint: endpoint() } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys: { p256dh: keys.p256dh } } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys: { ...keys, extra: 'x' } } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys, extra: 'x' } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys: { p256dh: 'AAAA', auth: keys.auth } } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys: { p256dh: keys.p256dh, auth: 'AAAA' } } },
      { platform: 'webpush', subscription: { endpoint: endpoint(), keys: { p256dh: keys.p256dh, auth: 'not base64!' } } },
      { platform: 'webpush', subscription: { endpoint: `https://fcm.googleapis.com/${'x'.repeat(2048)}`, keys } },
      [{ platform: 'fcm', token: fcmToken() }],
    ];
    for (const body of bad) {
      const res = await register(ann, body);
      const shown = JSON.stringify(body).slice(0, 80);
      expect([shown, res.status, res.body.code]).toEqual([shown, 400, 'INVALID_INPUT']);
    }
    expect((await list(ann)).items).toEqual([]);
  });

  it('needs a token on every route', async () => {
    await t.http().post(`${BASE}/devices`).send({ platform: 'fcm', token: fcmToken() }).expect(401);
    await t.http().get(`${BASE}/devices`).expect(401);
    await t.http().delete(`${BASE}/devices/${randomUUID()}`).expect(401);
    await t.http().get(`${BASE}/notifications/config`).expect(401);
  });

  it('says that nothing can be pushed', async () => {
    const res = await t.http().get(`${BASE}/notifications/config`).set(t.user().auth).expect(200);
    expect(res.body).toEqual({ webpush: null, fcm: false });
  });
});

describe('devices in a host with Web Push configured (library options)', () => {
  const vapid = vapidKeys();
  let app: INestApplication;
  const user = (): TestUser => {
    const id = `u-${randomUUID()}`;
    const token = tokenFor(id);
    return { id, name: 'User', token, auth: { Authorization: `Bearer ${token}` } };
  };

  beforeAll(async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: process.env.PARLEY_TEST_DATABASE_URL, entities: chatEntities, migrations: chatMigrations, migrationsRun: true, retryAttempts: 1 }),
        ChatModule.forRoot({
          jwt: { secret: TEST_JWT_SECRET },
          notifications: {
            webPush: { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:ops@example.com', allowedHosts: ['push.example.test', '*.corp.example.test', 'alt.example.test:8443'] },
          },
        }),
      ],
    })
    class WebPushHostModule {}
    app = await bootstrapHost(WebPushHostModule);
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  const register = (caller: TestUser, url: string) =>
    request(app.getHttpServer()).post(`${BASE}/devices`).set(caller.auth).send({ platform: 'webpush', subscription: { endpoint: url, keys: browserKeys() } });

  it('gives clients the VAPID public key', async () => {
    const res = await request(app.getHttpServer()).get(`${BASE}/notifications/config`).set(user().auth).expect(200);
    expect(res.body).toEqual({ webpush: { vapidPublicKey: vapid.publicKey }, fcm: false });
  });

  it('accepts the allowed hosts besides the browsers’ push services, and nothing else', async () => {
    const ann = user();
    // An allowed host named without a port takes any port (a push service of the host's on its own port, like the
    // tests' fakes on 127.0.0.1); `host:port` that port only; the browsers' own push services 443 only.
    const accepted = [endpoint(), endpoint('push.example.test'), endpoint('push.example.test:8443'), endpoint('a.corp.example.test'), endpoint('b.c.corp.example.test:4443'), endpoint('alt.example.test:8443')];
    for (const url of accepted) {
      expect([url, (await register(ann, url)).status]).toEqual([url, 201]);
    }
    for (const url of [endpoint('corp.example.test'), endpoint('alt.example.test'), endpoint('alt.example.test:9443'), endpoint('fcm.googleapis.com:8443'), 'http://push.example.test/x', endpoint('push.example.test.evil.test')]) {
      const res = await register(ann, url);
      expect([url, res.status, res.body.code]).toEqual([url, 400, 'PUSH_ENDPOINT_NOT_ALLOWED']);
    }
  });
});
