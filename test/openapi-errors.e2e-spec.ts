import { OpenApiResponseValidator, builtOpenApiDocument } from './support/openapi-document';
import { startTestApp, type TestApp, type TestUser } from './support/test-app';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The error bodies the server really sends, from every layer that can refuse a request (the JSON parser, the router,
 * the validation pipe, the guards, the throttler, the chat's rate limiter, the upload checks, the local accounts), each
 * with `statusCode`, `message`, `error` and `code`, and each matching the error response the document gives that
 * operation and status.
 */
describe('error responses, as sent and as documented', () => {
  let t: TestApp;
  let ann: TestUser;
  let validator: OpenApiResponseValidator;

  beforeAll(async () => {
    validator = new OpenApiResponseValidator((await builtOpenApiDocument()).document);
    // Limits small enough to reach: three log-in attempts a minute, one room creation.
    t = await startTestApp('postgres', { authRateLimit: 3, rateLimits: { rooms: { burst: 1, perSecond: 0.01 } } });
    ann = t.user('Ann');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Sends a request; fails the test when the answer does not match the document. */
  async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: string | FormData } = {}): Promise<Answer> {
    const response = await fetch(`${t.url}${path}`, { method, headers: init.headers, body: init.body });
    const text = await response.text();
    const body = response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
    expect(validator.validate(method, path.split('?')[0], response.status, response.headers.get('content-type'), body)).toEqual([]);
    return { status: response.status, headers: Object.fromEntries(response.headers), body };
  }
  const json = (headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...headers });
  const errorBody = (statusCode: number, code: string) => ({ statusCode, code, error: expect.any(String), message: expect.anything() });

  it('malformed and oversized JSON bodies', async () => {
    expect((await send('POST', '/api/v1/chat/rooms', { headers: json(ann.auth), body: '{"type":' })).body).toEqual(errorBody(400, 'INVALID_INPUT'));
    const large = JSON.stringify({ type: 'group', title: 'x'.repeat(300 * 1024), memberIds: [] });
    expect((await send('POST', '/api/v1/chat/rooms', { headers: json(ann.auth), body: large })).body).toEqual(errorBody(413, 'PAYLOAD_TOO_LARGE'));
  });

  it('a path that cannot be decoded, and validation', async () => {
    expect((await send('GET', '/api/v1/chat/rooms/%E0%A4%A', { headers: ann.auth })).body).toEqual(errorBody(400, 'INVALID_INPUT'));
    const invalid = await send('POST', '/api/v1/chat/rooms', { headers: json(ann.auth), body: JSON.stringify({ type: 'group', memberIds: [], colour: 'red' }) });
    expect(invalid.body).toEqual(errorBody(400, 'INVALID_INPUT'));
  });

  it('no token, no room, no route', async () => {
    expect((await send('GET', '/api/v1/chat/rooms')).body).toEqual(errorBody(401, 'UNAUTHENTICATED'));
    expect((await send('GET', '/api/v1/chat/rooms/00000000-0000-4000-8000-000000000000', { headers: ann.auth })).body).toEqual(errorBody(404, 'ROOM_NOT_FOUND'));
    const unknown = await fetch(`${t.url}/api/v1/chat/nothing-here`, { headers: ann.auth });
    expect(await unknown.json()).toEqual(errorBody(404, 'NOT_FOUND'));
  });

  it('an upload of the wrong type', async () => {
    const form = new FormData();
    form.append('file', new Blob(['plain text, not an image'], { type: 'image/png' }), 'fake.png');
    expect((await send('POST', '/api/v1/chat/images', { headers: ann.auth, body: form })).body).toEqual(errorBody(415, 'UNSUPPORTED_MEDIA_TYPE'));
  });

  it("the chat's rate limit, with Retry-After", async () => {
    // A user of their own: every request to the route counts, refused ones included.
    const carl = t.user('Carl');
    const create = () => send('POST', '/api/v1/chat/rooms', { headers: json(carl.auth), body: JSON.stringify({ type: 'group', title: 'Limited', memberIds: [] }) });
    expect((await create()).status).toBe(201);
    const refused = await create();
    expect(refused.body).toEqual({ ...errorBody(429, 'RATE_LIMITED'), retryAfterSeconds: expect.any(Number) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("the local accounts: a wrong password, then the throttler's 429 with Retry-After", async () => {
    const logIn = () => send('POST', '/api/v1/auth/token', { headers: json(), body: JSON.stringify({ username: 'nobody', password: 'wrong password' }) });
    let answer = await logIn();
    expect(answer.body).toEqual(errorBody(401, 'UNAUTHENTICATED'));
    // The throttler allows three a minute: the fourth attempt at the latest is refused.
    for (let attempt = 0; attempt < 3 && answer.status !== 429; attempt++) answer = await logIn();
    expect(answer.body).toEqual(errorBody(429, 'RATE_LIMITED'));
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  });
});
