import { randomUUID } from 'node:crypto';
import { DATABASES, startTestApp, tokenFor, type TestApp } from './support/test-app';

const SEARCH = '/api/v1/auth/users';

describe.each(DATABASES)('user search (%s)', (kind) => {
  let t: TestApp;
  /** A prefix no other spec's usernames start with, so results are only this run's accounts. */
  const prefix = `s${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const accounts: Record<string, { id: string; username: string; token: string }> = {};

  const register = async (username: string) => {
    const res = await t.http().post('/api/v1/auth/register').send({ username, password: 'correct horse' }).expect(201);
    accounts[username] = { ...res.body.user, token: res.body.accessToken };
    return accounts[username];
  };
  const search = (query: Record<string, string | number>, token = accounts[`${prefix}_Ann`].token) =>
    t.http().get(SEARCH).query(query).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const name of ['_Ann', '_anna', '_ANDY', '_bob', '-x_y', '-x1y', '_x1y']) await register(`${prefix}${name}`);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds accounts by username prefix, without regard to case, sorted, with ids and usernames only', async () => {
    const res = await search({ q: `${prefix}_AN` }).expect(200);
    expect(res.body).toEqual({
      items: [
        { id: accounts[`${prefix}_ANDY`].id, username: `${prefix}_ANDY` },
        { id: accounts[`${prefix}_Ann`].id, username: `${prefix}_Ann` },
        { id: accounts[`${prefix}_anna`].id, username: `${prefix}_anna` },
      ],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|scrypt|hash/i);
    expect((await search({ q: `${prefix}_annA` }).expect(200)).body.items.map((u: { username: string }) => u.username)).toEqual([`${prefix}_anna`]);
  });

  it('matches a prefix, not a substring, and treats LIKE wildcards literally', async () => {
    expect((await search({ q: 'nn' }).expect(200)).body.items).toEqual([]);
    expect((await search({ q: `${prefix}_%` }).expect(200)).body.items).toEqual([]);
    // `_` is a wildcard in LIKE: `-x_` must not match `-x1y`, nor `_x` match `-x_y`.
    const underscore = await search({ q: `${prefix}-x_` }).expect(200);
    expect(underscore.body.items.map((u: { username: string }) => u.username)).toEqual([`${prefix}-x_y`]);
    expect((await search({ q: `${prefix}_x` }).expect(200)).body.items.map((u: { username: string }) => u.username)).toEqual([`${prefix}_x1y`]);
  });

  it('returns at most 20, or fewer with ?limit=', async () => {
    const many = `m${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    await Promise.all(Array.from({ length: 22 }, (_, i) => register(`${many}${String(i).padStart(2, '0')}`)));
    const all = await search({ q: many }).expect(200);
    expect(all.body.items).toHaveLength(20);
    expect(all.body.items[0].username).toBe(`${many}00`);
    expect((await search({ q: many, limit: 3 }).expect(200)).body.items).toHaveLength(3);
    await search({ q: many, limit: 21 }).expect(400);
  });

  it('validates the query', async () => {
    await search({}).expect(400);
    await search({ q: '' }).expect(400);
    await search({ q: 'a'.repeat(33) }).expect(400);
    await search({ q: 'ann', other: 1 }).expect(400);
  });

  it('needs a valid bearer token; any token the chat accepts will do', async () => {
    await t.http().get(SEARCH).query({ q: prefix }).expect(401);
    await t.http().get(SEARCH).query({ q: prefix }).set('Authorization', 'Bearer not-a-jwt').expect(401);
    await search({ q: prefix }, tokenFor('u-1', 'U', { secret: 'another-secret' })).expect(401);
    await search({ q: prefix }, tokenFor('u-1', 'U', { expiresIn: -10 })).expect(401);
    // A token minted by an identity provider with the same secret, for a user with no local account.
    const res = await search({ q: `${prefix}_bob` }, tokenFor(`idp-${randomUUID()}`, 'Somebody')).expect(200);
    expect(res.body.items).toEqual([{ id: accounts[`${prefix}_bob`].id, username: `${prefix}_bob` }]);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await t.http().get('/api/docs-json').expect(200);
    expect(doc.body.paths[SEARCH].get).toMatchObject({ operationId: 'searchUsers', security: [{ bearer: [] }] });
  });
});
