import { JwtService } from '@nestjs/jwt';
import { ServerNode } from './support/processes';
import { closeSockets, connectSocket, eventually } from './support/sockets';
import { TEST_JWT_SECRET } from './support/test-app';

/**
 * A token of the right key but the wrong `iss` or `aud` is answered with a plain 401 "The token is not valid" (the
 * client need not know more); the built server logs the reason at debug level, for the operator who set
 * JWT_ISSUER / JWT_AUDIENCE and wonders why the identity provider's tokens are refused.
 */
describe('refused tokens in the server log (LOG_LEVEL=debug)', () => {
  const ISSUER = 'https://id.parley.test';
  const AUDIENCE = 'parley-chat';
  const jwt = new JwtService({ secret: TEST_JWT_SECRET });
  const token = (claims: { iss: string; aud: string }) => jwt.sign({ sub: 'log-ann', ...claims }, { expiresIn: 600 });
  let node: ServerNode;

  beforeAll(async () => {
    node = await ServerNode.start({ LOG_LEVEL: 'debug', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL ?? '' });
  });

  afterAll(async () => {
    closeSockets();
    await node?.stop();
  });

  /** The debug lines of the ChatAuth logger so far. */
  const refusals = (): string[] =>
    node.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; context?: string; msg?: string })
      .filter((entry) => entry.context === 'ChatAuth' && entry.level === 20)
      .map((entry) => entry.msg ?? '');

  it('logs the expected issuer of an HTTP request whose token has another', async () => {
    const response = await fetch(`${node.url}/api/v1/chat/rooms`, { headers: { authorization: `Bearer ${token({ iss: 'https://other.test', aud: AUDIENCE })}` } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toBe('The token is not valid');
    await eventually(() => expect(refusals()).toContain(`Token refused: jwt issuer invalid. expected: ${ISSUER}`));
  });

  it('logs the expected audience of a socket handshake whose token has another', async () => {
    await expect(connectSocket(node.url, token({ iss: ISSUER, aud: 'another-app' }))).rejects.toThrow('The token is not valid');
    await eventually(() => expect(refusals()).toContain(`Token refused: jwt audience invalid. expected: ${AUDIENCE}`));
  });

  it('logs nothing for a token that passes', async () => {
    const before = refusals().length;
    const response = await fetch(`${node.url}/api/v1/chat/rooms`, { headers: { authorization: `Bearer ${token({ iss: ISSUER, aud: AUDIENCE })}` } });
    expect(response.status).toBe(200);
    // The sentinel: a refusal sent after the good request is logged, and it is the only line added.
    await fetch(`${node.url}/api/v1/chat/rooms`, { headers: { authorization: 'Bearer not-a-jwt' } });
    await eventually(() => expect(refusals().length).toBe(before + 1));
    expect(refusals().at(-1)).toBe('Token refused: not a JWT (no JSON header)');
  });

  it('logs an algorithm the server does not accept', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'log-ann', iss: ISSUER, aud: AUDIENCE })}.`;
    const response = await fetch(`${node.url}/api/v1/chat/rooms`, { headers: { authorization: `Bearer ${unsigned}` } });
    expect(response.status).toBe(401);
    await eventually(() => expect(refusals()).toContain('Token refused: algorithm none not accepted (accepted: HS256)'));
  });
});
