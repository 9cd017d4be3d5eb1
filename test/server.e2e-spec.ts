import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DATABASES, startTestApp, type TestApp } from './support/test-app';

describe.each(DATABASES)('standalone server (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('local accounts', () => {
    const username = () => `user_${Math.random().toString(36).slice(2, 10)}`;

    it('registers, logs in, and the token works on the chat routes', async () => {
      const name = username();
      const registered = await t.http().post('/api/v1/auth/register').send({ username: name, password: 'correct horse' }).expect(201);
      expect(registered.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: expect.any(Number), user: { id: expect.any(String), username: name } });
      expect(JSON.stringify(registered.body)).not.toMatch(/password|scrypt/i);
      const login = await t.http().post('/api/v1/auth/token').send({ username: name.toUpperCase(), password: 'correct horse' }).expect(200);
      expect(login.body.user).toEqual(registered.body.user);
      const room = await t
        .http()
        .post('/api/v1/chat/rooms')
        .set('Authorization', `Bearer ${login.body.accessToken}`)
        .send({ type: 'group', title: 'Mine', memberIds: [] })
        .expect(201);
      expect(room.body.creatorId).toBe(registered.body.user.id);
    });

    it('answers 409 for a taken username (whatever its case) and 401 for wrong credentials', async () => {
      const name = username();
      await t.http().post('/api/v1/auth/register').send({ username: name, password: 'password-1' }).expect(201);
      await t.http().post('/api/v1/auth/register').send({ username: name.toUpperCase(), password: 'password-2' }).expect(409);
      const wrong = await t.http().post('/api/v1/auth/token').send({ username: name, password: 'password-2' }).expect(401);
      expect(wrong.body.message).toBe('Wrong username or password');
      await t.http().post('/api/v1/auth/token').send({ username: username(), password: 'password-1' }).expect(401);
    });

    it('validates credentials', async () => {
      await t.http().post('/api/v1/auth/register').send({ username: 'ab', password: 'password-1' }).expect(400);
      await t.http().post('/api/v1/auth/register').send({ username: 'has space', password: 'password-1' }).expect(400);
      await t.http().post('/api/v1/auth/register').send({ username: username(), password: 'short' }).expect(400);
      await t.http().post('/api/v1/auth/register').send({ username: username(), password: 'password-1', admin: true }).expect(400);
    });
  });

  it('serves the OpenAPI document with stable operationIds and the bearer scheme', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    const operations = Object.values(res.body.paths as Record<string, Record<string, { operationId: string; security?: unknown }>>).flatMap((path) =>
      Object.values(path).map((op) => op.operationId),
    );
    for (const id of ['listRooms', 'createRoom', 'getRoom', 'updateRoom', 'replaceRoom', 'deleteRoom', 'joinRoom', 'leaveRoom', 'muteRoom', 'unmuteRoom', 'listMembers', 'getMember', 'addMember', 'updateMember', 'removeMember', 'setRoomNotifications', 'registerDevice', 'listDevices', 'deleteDevice', 'getNotificationConfig', 'register', 'createToken', 'health']) {
      expect(operations).toContain(id);
    }
    expect(new Set(operations).size).toBe(operations.length);
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(res.body.paths['/api/v1/chat/rooms'].get.security).toEqual([{ bearer: [] }]);
    await t.http().get('/api/docs').expect(200);
  });

  it('reports health: 200 while the database answers, 503 once it does not', async () => {
    const ok = await t.http().get('/health').expect(200);
    expect(ok.body.status).toBe('ok');
    const other = await startTestApp(kind);
    try {
      await other.app.get<DataSource>(getDataSourceToken()).destroy();
      const down = await other.http().get('/health').expect(503);
      expect(down.body.status).toBe('error');
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it('applies security headers', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
