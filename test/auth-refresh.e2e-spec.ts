import { createHash, generateKeyPairSync } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { DATABASES, startTestApp, type TestApp } from './support/test-app';

/**
 * Refresh tokens of the local accounts (`POST /api/v1/auth/refresh`, `POST /api/v1/auth/logout`): rotation,
 * reuse detection, logout, expiry, a race of two refreshes, bad input, and what is stored.
 */
describe.each(DATABASES)('refresh tokens of the local accounts (%s)', (kind) => {
  let t: TestApp;
  let db: DataSource;
  const TTL = 3600;

  beforeAll(async () => {
    t = await startTestApp(kind, { tokenTtlSeconds: TTL });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    await t?.close();
  });

  const username = () => `user_${Math.random().toString(36).slice(2, 10)}`;
  const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

  interface Session {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: { id: string; username: string };
  }

  const register = async (name = username()): Promise<Session> => (await t.http().post('/api/v1/auth/register').send({ username: name, password: 'correct horse' }).expect(201)).body as Session;
  const refresh = (refreshToken: unknown) => t.http().post('/api/v1/auth/refresh').send({ refreshToken });
  const logout = (refreshToken: unknown) => t.http().post('/api/v1/auth/logout').send({ refreshToken });
  const rooms = (accessToken: string) => t.http().get('/api/v1/chat/rooms').set('Authorization', `Bearer ${accessToken}`);

  const expectRefused = async (refreshToken: string) => {
    const res = await refresh(refreshToken).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'INVALID_REFRESH_TOKEN', error: 'Unauthorized', message: expect.stringContaining('log in again') });
  };

  it('gives register and log-in a refresh token and the access token lifetime, and guests none', async () => {
    const name = username();
    const registered = await register(name);
    expect(registered).toEqual({ accessToken: expect.any(String), refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresIn: TTL, user: { id: expect.any(String), username: name } });
    const login = await t.http().post('/api/v1/auth/token').send({ username: name, password: 'correct horse' }).expect(200);
    expect(login.body).toEqual({ ...registered, accessToken: expect.any(String), refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(login.body.refreshToken).not.toBe(registered.refreshToken);
    const guest = await t.http().post('/api/v1/auth/guest').send({ name: 'Visitor' }).expect(201);
    expect(guest.body).not.toHaveProperty('refreshToken');
  });

  it('rotates: a new access token that works, and a new refresh token that works once more', async () => {
    const session = await register();
    const first = await refresh(session.refreshToken).expect(200);
    expect(first.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresIn: TTL, user: session.user });
    expect(first.body.refreshToken).not.toBe(session.refreshToken);
    const created = await t.http().post('/api/v1/chat/rooms').set('Authorization', `Bearer ${first.body.accessToken}`).send({ type: 'group', title: 'Renewed', memberIds: [] }).expect(201);
    expect(created.body.creatorId).toBe(session.user.id);
    const second = await refresh(first.body.refreshToken).expect(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    await rooms(second.body.accessToken).expect(200);
  });

  it('revokes the whole family when a used refresh token comes back, and leaves the other log-ins alone', async () => {
    const session = await register();
    const elsewhere = (await t.http().post('/api/v1/auth/token').send({ username: session.user.username, password: 'correct horse' }).expect(200)).body as Session;
    const next = (await refresh(session.refreshToken).expect(200)).body as Session;
    await expectRefused(session.refreshToken); // the stolen copy
    await expectRefused(next.refreshToken); // and the legitimate holder's newer token: the session is over
    await refresh(elsewhere.refreshToken).expect(200); // another log-in (another family) is untouched
  });

  it('logs out: the family stops working; logging out again, or with an unknown token, is still 204', async () => {
    const session = await register();
    const next = (await refresh(session.refreshToken).expect(200)).body as Session;
    const res = await logout(next.refreshToken).expect(204);
    expect(res.text).toBe('');
    await expectRefused(next.refreshToken);
    await logout(next.refreshToken).expect(204);
    await logout('never-issued-token').expect(204);
    // Logging out with an older token of the family revokes the same family (nothing left to revoke).
    await logout(session.refreshToken).expect(204);
    await expectRefused(session.refreshToken);
  });

  it('refuses an expired refresh token, an unknown one, and one whose account is gone', async () => {
    const session = await register();
    await db.query(`UPDATE "parley_refresh_tokens" SET "created_at" = now() - interval '2 days', "expires_at" = now() - interval '1 second' WHERE "token_hash" = $1`, [hashOf(session.refreshToken)]);
    await expectRefused(session.refreshToken);
    await expectRefused('A'.repeat(43));

    const gone = await register();
    await db.query(`DELETE FROM "parley_accounts" WHERE "id" = $1`, [gone.user.id]);
    await expectRefused(gone.refreshToken);
  });

  it('lets exactly one of two concurrent refreshes with the same token win; the other is a reuse', async () => {
    const session = await register();
    const answers = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401]);
    const winner = answers.find((res) => res.status === 200)!;
    const loser = answers.find((res) => res.status === 401)!;
    expect(loser.body.code).toBe('INVALID_REFRESH_TOKEN');
    // The loser presented a token that was used by then: the family, the winner's new token included, is revoked.
    await expectRefused(winner.body.refreshToken);
    await rooms(winner.body.accessToken).expect(200); // the access token it got lives until it expires
  });

  it('answers bad input with 400 INVALID_INPUT and changes nothing', async () => {
    const session = await register();
    for (const body of [{}, { refreshToken: '' }, { refreshToken: 42 }, { refreshToken: ['a'] }, { refreshToken: 'x'.repeat(129) }, { refreshToken: session.refreshToken, extra: true }]) {
      for (const path of ['/api/v1/auth/refresh', '/api/v1/auth/logout']) {
        const res = await t.http().post(path).send(body).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT', message: expect.anything() });
      }
    }
    // The token went through all of that unused and unrevoked.
    await refresh(session.refreshToken).expect(200);
  });

  it('stores only the SHA-256 of each token, with its account, family and times', async () => {
    const session = await register();
    const next = (await refresh(session.refreshToken).expect(200)).body as Session;
    const rows = (await db.query(
      `SELECT "token_hash", "family_id", "created_at", "expires_at", "used_at", "revoked_at" FROM "parley_refresh_tokens" WHERE "account_id" = $1 ORDER BY "created_at", "used_at" NULLS LAST`,
      [session.user.id],
    )) as Array<{ token_hash: string; family_id: string; created_at: Date; expires_at: Date; used_at: Date | null; revoked_at: Date | null }>;
    expect(rows.map((row) => row.token_hash)).toEqual([hashOf(session.refreshToken), hashOf(next.refreshToken)]);
    expect(rows[0].family_id).toBe(rows[1].family_id);
    expect(rows[0].used_at).toBeInstanceOf(Date);
    expect(rows[1].used_at).toBeNull();
    expect(rows.every((row) => row.revoked_at === null)).toBe(true);
    const lifetime = rows[1].expires_at.getTime() - rows[1].created_at.getTime();
    expect(Math.round(lifetime / 1000)).toBe(30 * 24 * 60 * 60); // REFRESH_TOKEN_TTL_SECONDS' default
    const dump = JSON.stringify(await db.query(`SELECT * FROM "parley_refresh_tokens"`));
    expect(dump).not.toContain(session.refreshToken);
    expect(dump).not.toContain(next.refreshToken);
  });
});

describe('REFRESH_TOKEN_TTL_SECONDS', () => {
  it('defaults to 30 days, and stops the start-up unless it is a positive whole number', () => {
    expect(loadConfig({}).refreshTokenTtlSeconds).toBe(30 * 24 * 60 * 60);
    expect(loadConfig({ REFRESH_TOKEN_TTL_SECONDS: '120' }).refreshTokenTtlSeconds).toBe(120);
    for (const bad of ['0', '-5', '1.5', 'a month']) expect(() => loadConfig({ REFRESH_TOKEN_TTL_SECONDS: bad })).toThrow(/^REFRESH_TOKEN_TTL_SECONDS must be a positive whole number/);
  });
});

describe('refresh tokens: limits and lifetime (postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { authRateLimit: 3, refreshTokenTtlSeconds: 60 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('issues refresh tokens for REFRESH_TOKEN_TTL_SECONDS, and rate-limits refresh by address as log-in is', async () => {
    const name = `user_${Math.random().toString(36).slice(2, 10)}`;
    const { body } = await t.http().post('/api/v1/auth/register').send({ username: name, password: 'correct horse' }).expect(201);
    const db = t.app.get<DataSource>(getDataSourceToken());
    const [row] = (await db.query(`SELECT "created_at", "expires_at" FROM "parley_refresh_tokens" WHERE "account_id" = $1`, [body.user.id])) as Array<{ created_at: Date; expires_at: Date }>;
    expect(Math.round((row.expires_at.getTime() - row.created_at.getTime()) / 1000)).toBe(60);
    let token = body.refreshToken as string;
    for (let i = 0; i < 3; i++) token = (await t.http().post('/api/v1/auth/refresh').send({ refreshToken: token }).expect(200)).body.refreshToken;
    const limited = await t.http().post('/api/v1/auth/refresh').send({ refreshToken: token }).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

// Its own app, last in this file: passport's strategies are per process, and an app verifying an identity
// provider's key would take over the token checks of an app started before it.
describe('refresh tokens when tokens come from an identity provider (postgres)', () => {
  it('refuses refresh and logout with 403 LOCAL_ACCOUNTS_DISABLED', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const idp = await startTestApp('postgres', { jwt: { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, usingDevelopmentSecret: false });
    try {
      for (const route of ['refresh', 'logout']) {
        const response = await idp.http().post(`/api/v1/auth/${route}`).send({ refreshToken: 'A'.repeat(43) }).expect(403);
        expect(response.body).toMatchObject({ statusCode: 403, code: 'LOCAL_ACCOUNTS_DISABLED' });
      }
    } finally {
      await idp.close();
    }
  });
});
