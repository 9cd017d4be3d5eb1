import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { JwksEndpoint, rsaSigningKey, type TestSigningKey } from '../../../../test/support/jwks-endpoint';
import { ChatConfig } from '../common/chat-config';
import type { ChatJwtOptions } from '../chat.options';
import { JwtKeys } from './jwt-keys';
import { TokenVerifier } from './token-verifier';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'parley';

/** Signs test tokens (the library itself never signs). */
const signer = new JwtService();
const sign = (key: TestSigningKey, claims: object = {}, algorithm: 'RS256' | 'PS256' = 'RS256') =>
  signer.sign({ sub: 'idp-user', name: 'Idp User', ...claims }, { privateKey: key.privatePem, algorithm, keyid: key.kid, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });

/** What AuthModule wires: JwtService configured by JwtKeys, then TokenVerifier (the sockets' path). */
function verifierWith(jwt: ChatJwtOptions): TokenVerifier {
  const config = new ChatConfig({ jwt });
  return new TokenVerifier(config, new JwtService(new JwtKeys(config).createJwtOptions()));
}

const notValid = { status: 401, code: 'UNAUTHENTICATED', message: 'The token is not valid' };

describe(`${JwtKeys.name} with a JWKS endpoint`, () => {
  const endpoint = new JwksEndpoint();
  const [keyA, keyB, keyC] = [rsaSigningKey('A'), rsaSigningKey('B'), rsaSigningKey('C')];
  let jwksUri: string;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    jwksUri = await endpoint.start();
    verifier = verifierWith({ jwksUri, issuer: ISSUER, audience: AUDIENCE });
  });
  afterAll(() => endpoint.stop());

  it('verifies a token with the key its kid names, fetched once and then cached', async () => {
    endpoint.keys = [keyA];
    await expect(verifier.verify(sign(keyA))).resolves.toMatchObject({ userId: 'idp-user', name: 'Idp User' });
    await expect(verifier.verify(sign(keyA, { sub: 'another' }))).resolves.toMatchObject({ userId: 'another' });
    expect(endpoint.fetches).toBe(1);
  });

  it('follows a key rotation: a token of the new kid is verified once the JWKS publishes it', async () => {
    await expect(verifier.verify(sign(keyB))).rejects.toMatchObject(notValid);
    endpoint.keys = [keyB];
    await expect(verifier.verify(sign(keyB))).resolves.toMatchObject({ userId: 'idp-user' });
  });

  it('refuses a token whose kid the JWKS does not hold, or that another key signed under a known kid', async () => {
    await expect(verifier.verify(sign(keyC))).rejects.toMatchObject(notValid);
    await expect(verifier.verify(sign({ ...keyC, kid: 'B' }))).rejects.toMatchObject(notValid);
  });

  it('refuses HS256 tokens without fetching anything, the public key as HMAC secret included (algorithm confusion)', async () => {
    const before = endpoint.fetches;
    const hs256 = signer.sign({ sub: 'u' }, { secret: 'some-secret', algorithm: 'HS256', keyid: 'B', issuer: ISSUER, audience: AUDIENCE });
    const confused = signer.sign({ sub: 'u' }, { secret: keyB.publicPem, algorithm: 'HS256', keyid: 'B', issuer: ISSUER, audience: AUDIENCE });
    await expect(verifier.verify(hs256)).rejects.toMatchObject(notValid);
    await expect(verifier.verify(confused)).rejects.toMatchObject(notValid);
    expect(endpoint.fetches).toBe(before);
  });

  it('refuses a token signed with another algorithm than the one the key is published for', async () => {
    await expect(verifier.verify(sign(keyB, {}, 'PS256'))).rejects.toMatchObject(notValid);
  });

  it('checks issuer, audience and expiry as with any key', async () => {
    await expect(verifier.verify(signer.sign({ sub: 'u' }, { privateKey: keyB.privatePem, algorithm: 'RS256', keyid: 'B', issuer: 'https://other.test', audience: AUDIENCE }))).rejects.toMatchObject(notValid);
    await expect(verifier.verify(signer.sign({ sub: 'u' }, { privateKey: keyB.privatePem, algorithm: 'RS256', keyid: 'B', issuer: ISSUER, audience: 'other' }))).rejects.toMatchObject(notValid);
    const expired = signer.sign({ sub: 'u' }, { privateKey: keyB.privatePem, algorithm: 'RS256', keyid: 'B', issuer: ISSUER, audience: AUDIENCE, expiresIn: -10 });
    await expect(verifier.verify(expired)).rejects.toMatchObject({ status: 401, message: 'The token has expired' });
  });

  it('fetches the JWKS at most 10 times a minute, however many unknown kids come', async () => {
    const limited = verifierWith({ jwksUri, issuer: ISSUER, audience: AUDIENCE });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const before = endpoint.fetches;
      for (let i = 0; i < 15; i++) {
        await expect(limited.verify(sign({ ...keyC, kid: randomUUID() }))).rejects.toMatchObject(notValid);
      }
      expect(endpoint.fetches - before).toBe(10);
      // Past the limit even a published kid waits for the next minute (logged: an operator may want to know).
      await expect(limited.verify(sign(keyB))).rejects.toMatchObject(notValid);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Too many requests/));
    } finally {
      warn.mockRestore();
    }
  });

  it('answers 401 (and logs) when the JWKS endpoint cannot be reached', async () => {
    const closed = new JwksEndpoint();
    const uri = await closed.start();
    await closed.stop();
    const unreachable = verifierWith({ jwksUri: uri, issuer: ISSUER, audience: AUDIENCE });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(unreachable.verify(sign(keyA))).rejects.toMatchObject(notValid);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/JWKS key lookup failed/));
    } finally {
      warn.mockRestore();
    }
  });
});
