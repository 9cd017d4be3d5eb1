import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { EXAMPLE_REFRESH_TOKEN } from '../src/openapi';
import { builtOpenApiDocument, operationsOf, type OpenApiDocument } from './support/openapi-document';
import { TEST_JWT_SECRET, startTestApp, type TestApp } from './support/test-app';

/**
 * Swagger UI's "Try it out" sends an operation's request example as it is. Every operation of the built server's
 * document that takes a JSON body must have one (a new route without one fails here), and each example, sent with
 * only the path filled in (a fresh room of the caller's, a message in it, another member), must succeed. The one id a
 * body must name (`markMessagesSeen`'s messages) is the nil-like UUID `PLACEHOLDER_ID` in the example, which a user
 * replaces with a message of theirs, and so does this test; likewise the refresh token of the auth examples
 * (`EXAMPLE_REFRESH_TOKEN`), replaced by a fresh one of a local account's for each operation.
 */
const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';
const suffix = randomUUID().slice(0, 8);

describe('the request examples of the OpenAPI document', () => {
  let document: OpenApiDocument;
  let t: TestApp;
  let caller: { id: string; auth: { Authorization: string } };

  beforeAll(async () => {
    ({ document } = await builtOpenApiDocument());
    t = await startTestApp('postgres');
    // A server administrator (the `chatAdmin` claim), so the administration routes take their examples too.
    const id = `examples-${randomUUID()}`;
    caller = { id, auth: { Authorization: `Bearer ${new JwtService({ secret: TEST_JWT_SECRET }).sign({ sub: id, name: 'Ann', chatAdmin: true }, { expiresIn: 3600 })}` } };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const withJsonBody = () => operationsOf(document).filter(({ operation }) => operation.requestBody?.content['application/json']);

  it('has an example for every JSON request body', () => {
    const missing = withJsonBody()
      .filter(({ operation }) => operation.requestBody?.content['application/json'].example === undefined)
      .map(({ operation }) => operation.operationId);
    expect(withJsonBody().length).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });

  it('succeeds with every example sent as it is', async () => {
    const failures: string[] = [];
    for (const { path, method, operation } of withJsonBody()) {
      const ids = await freshRoom();
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (!(name in ids)) throw new Error(`${operation.operationId}: no fixture for the path parameter ${name}`);
        return encodeURIComponent(ids[name as keyof typeof ids]);
      });
      const response = await t
        .http()
        [method as 'post'](url)
        .set(operation.security?.length ? caller.auth : {})
        .send(JSON.parse(JSON.stringify(operation.requestBody?.content['application/json'].example).replaceAll(PLACEHOLDER_ID, ids.messageId).replaceAll(EXAMPLE_REFRESH_TOKEN, await freshRefreshToken())) as object);
      if (response.status >= 300) failures.push(`${operation.operationId}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  /** The refresh token of a new log-in of a local account of this test's. */
  async function freshRefreshToken(): Promise<string> {
    const credentials = { username: `examples-${suffix}`, password: 'correct horse battery' };
    let answer = await t.http().post('/api/v1/auth/token').send(credentials);
    if (answer.status === 401) answer = await t.http().post('/api/v1/auth/register').send(credentials).expect(201);
    return answer.body.refreshToken as string;
  }

  /** A group room of the caller's with another member and a message of the caller's: the path of every example. */
  async function freshRoom(): Promise<{ roomId: string; messageId: string; userId: string }> {
    const other = t.user('Bob');
    const room = await t.http().post('/api/v1/chat/rooms').set(caller.auth).send({ type: 'group', title: 'Examples', memberIds: [other.id] }).expect(201);
    const message = await t.http().post(`/api/v1/chat/rooms/${room.body.id}/messages`).set(caller.auth).send({ body: 'First' }).expect(201);
    return { roomId: room.body.id as string, messageId: message.body.id as string, userId: other.id };
  }
});
