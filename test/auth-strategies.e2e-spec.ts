import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { bootstrapHost } from './fixtures/hosts/bootstrap-host';
import { HOST_JWT_SECRET } from './fixtures/hosts/passport-jwks/host-jwt.strategy';
import { IDP_AUDIENCE, IDP_ISSUER, PassportJwksHostModule } from './fixtures/hosts/passport-jwks/passport-jwks-host.module';
import { JwksEndpoint, rsaSigningKey, type TestSigningKey } from './support/jwks-endpoint';
import { closeSockets, connectSocket } from './support/sockets';

const BASE = '/api/v1/chat';
const signer = new JwtService();

/** A token of the identity provider, signed with `key` and naming it by `kid`. */
const idpToken = (key: TestSigningKey, claims: object = { sub: 'idp-user', name: 'Idp User' }, options: { expiresIn?: number } = {}) =>
  signer.sign(claims, { privateKey: key.privatePem, algorithm: 'RS256', keyid: key.kid, issuer: IDP_ISSUER, audience: IDP_AUDIENCE, expiresIn: options.expiresIn ?? 300 });

/** The chat's 401 body, the same from either strategy. */
const unauthenticated = (message: string) => ({ statusCode: 401, message, error: 'Unauthorized', code: 'UNAUTHENTICATED' });

function databaseUrl(): string {
  const url = process.env.PARLEY_TEST_DATABASE_URL;
  if (!url) throw new Error('PARLEY_TEST_DATABASE_URL is not set: run the tests through jest (its global setup creates the database)');
  return url;
}

describe('authentication through passport (parley-jwt with a JWKS, beside the host’s own jwt strategy)', () => {
  const idp = new JwksEndpoint();
  const [keyA, keyB, keyC] = [rsaSigningKey('A'), rsaSigningKey('B'), rsaSigningKey('C')];
  let app: INestApplication;
  let url: string;
  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    idp.keys = [keyA];
    app = await bootstrapHost(PassportJwksHostModule.forRoot(databaseUrl(), await idp.start()));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await app?.close();
    await idp.stop();
  });

  it('accepts a token of the current key on REST and on the socket, and keeps the chat profile from its claims', async () => {
    const token = idpToken(keyA, { sub: 'idp-ann', name: 'Ann Idp' });
    const room = (await http().post(`${BASE}/rooms`).set(bearer(token)).send({ type: 'group', title: 'JWKS', memberIds: [] }).expect(201)).body as { id: string; creatorId: string };
    expect(room.creatorId).toBe('idp-ann');
    const members = (await http().get(`${BASE}/rooms/${room.id}/members`).set(bearer(token)).expect(200)).body as { items: Array<{ userId: string; name: string | null }> };
    expect(members.items).toEqual([expect.objectContaining({ userId: 'idp-ann', name: 'Ann Idp' })]);
    await expect(connectSocket(url, token)).resolves.toBeDefined();
  });

  it('follows a key rotation: tokens of the new kid pass once the JWKS publishes it', async () => {
    await http().get(`${BASE}/rooms`).set(bearer(idpToken(keyB))).expect(401);
    idp.keys = [keyA, keyB];
    await http().get(`${BASE}/rooms`).set(bearer(idpToken(keyB))).expect(200);
    await expect(connectSocket(url, idpToken(keyB))).resolves.toBeDefined();
  });

  it('refuses, with the same 401 on REST and on the socket, every token it must refuse', async () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['no token', undefined, 'A bearer token is required'],
      ['not a JWT', 'not-a-jwt', 'The token is not valid'],
      ['an unknown kid', idpToken(keyC), 'The token is not valid'],
      ['HS256', signer.sign({ sub: 'u' }, { secret: 'some-secret', keyid: 'A', issuer: IDP_ISSUER, audience: IDP_AUDIENCE }), 'The token is not valid'],
      ['HS256 keyed with the public key', signer.sign({ sub: 'u' }, { secret: keyA.publicPem, keyid: 'A', issuer: IDP_ISSUER, audience: IDP_AUDIENCE }), 'The token is not valid'],
      ['expired', idpToken(keyA, { sub: 'u' }, { expiresIn: -10 }), 'The token has expired'],
      ['no sub', idpToken(keyA, { name: 'Nobody' }), 'The token has no valid `sub` claim'],
    ];
    for (const [name, token, message] of cases) {
      const response = await http()
        .get(`${BASE}/rooms`)
        .set(token === undefined ? {} : bearer(token))
        .expect(401);
      expect({ name, body: response.body }).toEqual({ name, body: unauthenticated(message) });
      await expect(connectSocket(url, token)).rejects.toThrow(message);
    }
    const basic = await http().get(`${BASE}/rooms`).set('Authorization', 'Basic abc').expect(401);
    expect(basic.body).toEqual(unauthenticated('A bearer token is required'));
  });

  it("puts the chat's caller on request.chatPrincipal and leaves the host's request.user to the host's jwt strategy", async () => {
    const hostSession = signer.sign({ sub: 'host-7', roles: ['admin'] }, { secret: HOST_JWT_SECRET, algorithm: 'HS256' });
    const both = await http().get('/host/me').set('X-Host-Token', hostSession).set(bearer(idpToken(keyA))).expect(200);
    expect(both.body).toEqual({ user: { hostUserId: 'host-7', roles: ['admin'] }, chatUser: expect.objectContaining({ userId: 'idp-user', name: 'Idp User' }) });
    // The host's own guard still refuses what its strategy refuses, whatever the chat accepts.
    await http().get('/host/me').set(bearer(idpToken(keyA))).expect(401);
  });

  it("keeps its own strategy in a host module whose PassportModule default is the host's jwt", async () => {
    const hostSession = signer.sign({ sub: 'host-7' }, { secret: HOST_JWT_SECRET, algorithm: 'HS256' });
    const refused = await http().get('/host/chat-only').set('X-Host-Token', hostSession).expect(401);
    expect(refused.body).toEqual(unauthenticated('A bearer token is required'));
    const chatOnly = await http().get('/host/chat-only').set(bearer(idpToken(keyA))).expect(200);
    expect(chatOnly.body).toEqual({ user: null, chatUser: expect.objectContaining({ userId: 'idp-user' }) });
  });
});
