import { BASE } from '../support/chat-client';
import { FaultNode, FaultPostgres, cleanUpAfterAll, until } from '../support/fault-services';
import { ask, closeSockets, connectSocket } from '../support/sockets';
import { tokenFor } from '../support/test-app';

/**
 * Issue 15, item 6: a PostgreSQL outage. A server process runs on a PostgreSQL cluster of the test's own, which is
 * stopped for real (`pg_ctlcluster stop -m immediate`) and started again. Meanwhile every request that needs the
 * database is answered quickly with 503 `DATABASE_UNAVAILABLE` and `Retry-After` (HTTP: chat routes and the
 * standalone server's log-in; sockets: the ack's `retryAfterSeconds`), liveness stays 200 and readiness says 503
 * `unavailable`, the process stays alive, and its log has one line for the outage and one for its end, not one per
 * request. Once the cluster is back, sends succeed again within seconds, without a restart.
 *
 * Before the fix, sends failed fast but as 500 `INTERNAL`, each with its own error lines.
 */
describe('PostgreSQL outage (the cluster stopped for real)', () => {
  cleanUpAfterAll();
  const CONNECT_TIMEOUT_MS = 2000;
  const OUTAGE_MS = 5000;
  let postgres: FaultPostgres;
  let node: FaultNode;

  beforeAll(async () => {
    postgres = await FaultPostgres.create();
    const databaseUrl = await postgres.createDatabase();
    node = await FaultNode.start({ env: { DATABASE_URL: databaseUrl, DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) } });
  }, 90_000);
  afterAll(() => closeSockets());

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while it is away, logs it once, and recovers without a restart', async () => {
    const user = `outage-${Date.now()}`;
    const token = tokenFor(user, user);
    const room = await json<{ id: string }>(await post(`${BASE}/rooms`, token, { type: 'group', title: 'outage', memberIds: [] }), 201);
    const socket = await connectSocket(node.url, token);
    const account = { username: `acct${Date.now()}`, password: 'a long enough password' };
    expect((await post('/api/v1/auth/register', undefined, account)).status).toBe(201);
    expect((await post(`${BASE}/rooms/${room.id}/messages`, token, { body: 'before', clientId: 'before-http' })).status).toBe(201);
    expect((await ask(socket, 'message.send', { roomId: room.id, body: 'before', clientId: 'before-socket' })).ok).toBe(true);

    const linesBefore = node.lines.length;
    await postgres.stop('immediate');
    const stoppedAt = Date.now();

    // Rounds of requests for 5 s while it is away: each answered 503 with its code and when to retry, none hanging.
    const slowest = { http: 0, socket: 0, login: 0 };
    let rounds = 0;
    for (let round = 0; Date.now() - stoppedAt < OUTAGE_MS; round++, rounds++) {
      const roundStarted = Date.now();
      let started = Date.now();
      const http = await post(`${BASE}/rooms/${room.id}/messages`, token, { body: `during ${round}`, clientId: `during-http-${round}` });
      slowest.http = Math.max(slowest.http, Date.now() - started);
      expect({ status: http.status, retryAfter: http.headers.get('retry-after'), body: await http.json() }).toMatchObject({
        status: 503,
        retryAfter: expect.stringMatching(/^[1-9]\d*$/),
        body: { statusCode: 503, code: 'DATABASE_UNAVAILABLE' },
      });
      started = Date.now();
      const ack = await ask(socket, 'message.send', { roomId: room.id, body: `during ${round}`, clientId: `during-socket-${round}` }, 10_000);
      slowest.socket = Math.max(slowest.socket, Date.now() - started);
      expect(ack).toMatchObject({ ok: false, error: { statusCode: 503, code: 'DATABASE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) } });
      started = Date.now();
      const login = await post('/api/v1/auth/token', undefined, account);
      slowest.login = Math.max(slowest.login, Date.now() - started);
      expect({ status: login.status, retryAfter: login.headers.get('retry-after'), body: await login.json() }).toMatchObject({
        status: 503,
        retryAfter: expect.stringMatching(/^[1-9]\d*$/),
        body: { code: 'DATABASE_UNAVAILABLE' },
      });
      await until('the next round', () => Date.now() - roundStarted >= 200, 1000, 10);
    }
    // Not hanging: no answer took longer than the connection timeout (and a margin for this busy machine).
    expect(Math.max(slowest.http, slowest.socket, slowest.login)).toBeLessThan(CONNECT_TIMEOUT_MS + 1500);
    expect((await fetch(`${node.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${node.url}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'down' } });
    expect(node.alive).toBe(true);

    const restartedAt = Date.now();
    await postgres.start();
    // Without a restart of the node: the first send that succeeds, the socket's included.
    await until('an HTTP send to succeed after the restart', async () => (await post(`${BASE}/rooms/${room.id}/messages`, token, { body: 'after', clientId: 'after-http' })).status === 201, 15_000, 200);
    const recoveredAfterMs = Date.now() - restartedAt;
    expect((await ask(socket, 'message.send', { roomId: room.id, body: 'after', clientId: 'after-socket' })).ok).toBe(true);
    expect((await post('/api/v1/auth/token', undefined, account)).status).toBe(200);
    await until('readiness to be 200 again', async () => (await fetch(`${node.url}/health/ready`)).status === 200, 10_000, 200);
    const recovery = await node.waitForLog(/Database back after/, 5000, linesBefore);

    // One line for the outage and one for its end, whatever the number of requests; nothing else worse than info.
    const during = node.lines.slice(linesBefore);
    const noisy = during.filter((line) => line.level >= 40);
    expect(during.filter((line) => /Database unavailable/.test(line.msg))).toHaveLength(1);
    expect(during.filter((line) => /Database back after/.test(line.msg))).toHaveLength(1);
    expect(noisy.map((line) => line.msg)).toEqual([expect.stringMatching(/^Database unavailable/), expect.stringMatching(/^Database back after/)]);
    // No stack trace anywhere (the access log's lines for the 503s included).
    expect([...node.raw, ...during.map((line) => JSON.stringify(line))].filter((line) => /\bat \S+ \(|\\n\s+at /.test(line))).toEqual([]);
    expect(node.alive).toBe(true);
    console.log(
      `database-outage: ${rounds * 3} requests during ${restartedAt - stoppedAt} ms of outage, slowest answers: HTTP send ${slowest.http} ms, socket send ${slowest.socket} ms, ` +
        `log-in ${slowest.login} ms; sends succeed ${recoveredAfterMs} ms after the cluster was started again; log: "${noisy[0]?.msg}" / "${recovery.msg}"`,
    );
  }, 90_000);

  function post(path: string, token: string | undefined, body: unknown): Promise<Response> {
    return fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  }

  async function json<T>(response: Response, status: number): Promise<T> {
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }
});
