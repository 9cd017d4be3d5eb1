import { generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ChatConfig } from '../common/chat-config';
import type { ChatModuleOptions } from '../chat.options';
import { JwtKeys } from './jwt-keys';
import { TokenVerifier, bearerToken } from './token-verifier';

const SECRET = 'unit-test-secret';
/** Signs test tokens (the library itself never signs). */
const jwt = new JwtService();
/** What AuthModule wires: JwtService configured by JwtKeys (JwtModule.registerAsync), then TokenVerifier. */
const verifierWith = (options: ChatModuleOptions) => {
  const config = new ChatConfig(options);
  return new TokenVerifier(config, new JwtService(new JwtKeys(config).createJwtOptions()));
};
const sign = (payload: object, options: Parameters<JwtService['sign']>[1] = {}) => jwt.sign(payload, { secret: SECRET, ...options });
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe(TokenVerifier.name, () => {
  const verifier = verifierWith({ jwt: { secret: SECRET } });

  it('accepts a valid HS256 token: sub is the user id, name the display name, exp the expiry', async () => {
    const token = sign({ sub: 'user-1', name: ' Ann ' }, { expiresIn: 60 });
    const principal = await verifier.verify(token);
    expect(principal.userId).toBe('user-1');
    expect(principal.name).toBe('Ann');
    expect(principal.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it.each([
    ['missing', undefined, 'A bearer token is required'],
    ['malformed', 'not.a.jwt', 'The token is not valid'],
    ['expired', sign({ sub: 'u' }, { expiresIn: -10 }), 'The token has expired'],
    ['signed with another secret', jwt.sign({ sub: 'u' }, { secret: 'another-secret' }), 'The token is not valid'],
    ['alg none', `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u' })}.`, 'The token is not valid'],
    ['missing sub', sign({ name: 'Ann' }), 'The token has no valid `sub` claim'],
    ['empty sub', sign({ sub: '' }), 'The token has no valid `sub` claim'],
    ['numeric sub', sign({ sub: 42 }), 'The token has no valid `sub` claim'],
  ])('refuses a %s token with 401', async (_case, token, message) => {
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message });
  });

  it('refuses an HS256 token signed with the public key when keys are configured (algorithm confusion)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyed = verifierWith({ jwt: { publicKey: pem, issuer: 'idp', audience: 'chat' } });
    const good = jwt.sign({ sub: 'u' }, { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256', issuer: 'idp', audience: 'chat' });
    await expect(keyed.verify(good)).resolves.toMatchObject({ userId: 'u' });
    const confused = jwt.sign({ sub: 'u', iss: 'idp', aud: 'chat' }, { secret: pem, algorithm: 'HS256' });
    await expect(keyed.verify(confused)).rejects.toMatchObject({ status: 401 });
    const wrongAudience = jwt.sign({ sub: 'u' }, { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256', issuer: 'idp', audience: 'other' });
    await expect(keyed.verify(wrongAudience)).rejects.toMatchObject({ status: 401 });
  });

  it('uses the host authenticate function instead of JWT when given', async () => {
    const hosted = verifierWith({ authenticate: (token) => (token === 'good' ? { userId: 'host-user', name: 'H' } : null) });
    await expect(hosted.verify('good')).resolves.toEqual({ userId: 'host-user', name: 'H' });
    await expect(hosted.verify('bad')).rejects.toMatchObject({ status: 401 });
    const throwing = verifierWith({
      authenticate: () => {
        throw new Error('boom');
      },
    });
    await expect(throwing.verify('x')).rejects.toMatchObject({ status: 401 });
  });

  it('marks a guest by the claim guest: true (JWT) or guest: true from the host; anything else is a full user', async () => {
    await expect(verifier.verify(sign({ sub: 'g', guest: true }))).resolves.toMatchObject({ userId: 'g', guest: true });
    for (const guest of [false, 'true', 1]) expect((await verifier.verify(sign({ sub: 'u', guest }))).guest).toBeUndefined();
    expect((await verifier.verify(sign({ sub: 'u' }))).guest).toBeUndefined();
    const hosted = verifierWith({ authenticate: (token) => ({ userId: token, guest: token === 'visitor' }) });
    await expect(hosted.verify('visitor')).resolves.toMatchObject({ userId: 'visitor', guest: true });
    await expect(hosted.verify('member')).resolves.toMatchObject({ userId: 'member', guest: false });
  });

  it('refuses to be configured without a way to verify tokens, or with alg none', () => {
    expect(() => verifierWith({})).toThrow(/jwt.secret/);
    expect(() => verifierWith({ jwt: { secret: 's', algorithms: ['none'] } })).toThrow(/none/);
  });

  it('refuses algorithms of the other family: HS* with a public key or JWKS, RS* with a secret; and two key sources', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => verifierWith({ jwt: { publicKey: pem, algorithms: ['RS256', 'HS256'] } })).toThrow(/HS256/);
    expect(() => verifierWith({ jwt: { jwksUri: 'https://idp.example/jwks.json', algorithms: ['HS512'] } })).toThrow(/HS512/);
    expect(() => verifierWith({ jwt: { secret: 's', algorithms: ['RS256'] } })).toThrow(/RS256/);
    expect(() => verifierWith({ jwt: { publicKey: pem, jwksUri: 'https://idp.example/jwks.json' } })).toThrow(/not both/);
    expect(() => verifierWith({ jwt: { jwksUri: 'https://idp.example/jwks.json' } })).not.toThrow();
  });

  it('reads only well-formed bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
