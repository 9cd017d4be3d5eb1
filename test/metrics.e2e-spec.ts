import { Client } from 'pg';
import { BASE, chatClient } from './support/chat-client';
import { freePort, TestRedis } from './support/processes';
import { ask, closeSockets, connectSocket, eventually } from './support/sockets';
import { startTestApp, type TestApp } from './support/test-app';

/** One sample of the Prometheus text format: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition (version 0.0.4); throws on a line that is neither a comment nor a sample. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and these labels (others may be present); undefined if none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, v]) => sample.labels[key] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const response = await t.http().get('/metrics').expect(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseMetrics(response.text);
}

describe('GET /metrics (postgres)', () => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  it('serves the process, the event loop, the database pool and the chat in Prometheus text format, open by default', async () => {
    const samples = await scrape(t);
    // prom-client's default metrics: the process and the event-loop delay.
    // The CPU counter counts from the registry's first collection, so a quick scrape may still read 0: present is enough.
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'process_start_time_seconds')).toBeGreaterThan(0);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    // The pg pool of TypeORM's postgres driver (default size 10): migrations opened at least one connection.
    expect(value(samples, 'parley_db_pool_max')).toBe(10);
    expect(value(samples, 'parley_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'parley_db_pool_idle')).toBeLessThanOrEqual(value(samples, 'parley_db_pool_connections') as number);
    expect(value(samples, 'parley_db_pool_waiting')).toBe(0);
    // The library's instruments, on the server's registry through the module option `metrics.registry`.
    expect(value(samples, 'parley_sockets_connected')).toBe(0);
    expect(value(samples, 'parley_writer_queue_depth')).toBe(0);
    const writerBusy = value(samples, 'parley_writer_busy_ratio');
    expect(writerBusy).toBeGreaterThanOrEqual(0);
    expect(writerBusy).toBeLessThanOrEqual(1);
    expect(value(samples, 'parley_message_sends_total', { transport: 'socket', outcome: 'ok' })).toBe(0);
    expect(value(samples, 'parley_write_batch_size_count')).toBeDefined();
    // No REDIS_URL: no Redis state to report.
    expect(value(samples, 'parley_redis_up')).toBeUndefined();
  });

  it('counts sends by transport and outcome, the write batches and the events they published', async () => {
    const [ann, bob, eve] = [t.user('Ann'), t.user('Bob'), t.user('Eve')];
    const room = await chat.group(ann, [bob]);
    const socket = await connectSocket(t.url, bob.token);
    const before = await scrape(t);

    for (let i = 0; i < 5; i++) await chat.send(ann, room.id, `http ${i}`);
    await chat.send(ann, room.id, 'http 0 again', { clientId: 'metrics-same' });
    await chat.send(ann, room.id, 'http 0 again', { clientId: 'metrics-same' }, 200); // the clientId repeated: 200
    for (let i = 0; i < 4; i++) expect((await ask(socket, 'message.send', { roomId: room.id, body: `socket ${i}` })).ok).toBe(true);
    await chat.send(eve, room.id, 'not a member', {}, 404);
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: '' }).expect(400);
    const refused = await ask(socket, 'message.send', { roomId: room.id, body: '   ' });
    expect(refused.ok).toBe(false);
    // Other routes of the messages controller are not sends.
    await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).expect(200);

    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    expect(delta('parley_message_sends_total', { transport: 'http', outcome: 'ok' })).toBe(7);
    expect(delta('parley_message_sends_total', { transport: 'http', outcome: 'refused' })).toBe(2);
    expect(delta('parley_message_sends_total', { transport: 'socket', outcome: 'ok' })).toBe(4);
    expect(delta('parley_message_sends_total', { transport: 'socket', outcome: 'refused' })).toBe(1);
    expect(delta('parley_message_sends_total', { transport: 'http', outcome: 'failed' })).toBe(0);
    // Eleven sends reached the writer (the repeated clientId is answered by the write function), in one call or more.
    expect(delta('parley_write_batch_size_sum')).toBe(11);
    const batches = delta('parley_write_batch_size_count');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(11);
    expect(delta('parley_write_batch_seconds_count', { outcome: 'ok' })).toBe(batches);
    const seconds = delta('parley_write_batch_seconds_sum', { outcome: 'ok' });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(batches * 5);
    expect(delta('parley_events_published_total', { event: 'message.created' })).toBe(10);
    expect(value(after, 'parley_writer_queue_depth')).toBe(0);
  });

  it('shows the sockets connected to this node', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const sockets = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, ann.token), connectSocket(t.url, bob.token)]);
    expect(value(await scrape(t), 'parley_sockets_connected')).toBe(3);
    sockets[0].disconnect();
    await eventually(async () => expect(value(await scrape(t), 'parley_sockets_connected')).toBe(2));
  });

  it('shows the sends waiting for the writer while a held row lock keeps their room busy', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob]);
    // Another session holds the room's row lock: the room's sends wait (set aside by the writer, retried) until
    // it is released, and the gauge counts them.
    const lock = new Client({ connectionString: process.env.PARLEY_TEST_DATABASE_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM chat_rooms WHERE id = $1 FOR UPDATE', [room.id]);
      const sends = Array.from({ length: 20 }, (_, i) => chat.send(i % 2 ? ann : bob, room.id, `waits ${i}`));
      await eventually(async () => expect(value(await scrape(t), 'parley_writer_queue_depth')).toBe(20), 2000, 20);
      await lock.query('ROLLBACK');
      await Promise.all(sends);
    } finally {
      await lock.end();
    }
    expect(value(await scrape(t), 'parley_writer_queue_depth')).toBe(0);
  });

  it('is left out of the OpenAPI document', async () => {
    const document = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('metrics'))).toEqual([]);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { metricsToken: 'scrape-secret' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs the bearer token, and answers 401 without it or with another', async () => {
    const none = await t.http().get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.body.code).toBe('UNAUTHENTICATED');
    expect(none.text).not.toContain('parley_');
    await t.http().get('/metrics').set('Authorization', 'Bearer scrape-secreT').expect(401);
    await t.http().get('/metrics').set('Authorization', 'Basic scrape-secret').expect(401);
    // A chat token is not the metrics token.
    await t.http().get('/metrics').set(t.user().auth).expect(401);
    const ok = await t.http().get('/metrics').set('Authorization', 'Bearer scrape-secret').expect(200);
    expect(parseMetrics(ok.text).some((sample) => sample.name === 'parley_sockets_connected')).toBe(true);
  });
});

describe('GET /metrics (embedded database)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(async () => {
    await t?.close();
  });

  it("reports the embedded driver's one-session pool and its queue", async () => {
    const samples = await scrape(t);
    expect(value(samples, 'parley_db_pool_max')).toBe(1);
    expect(value(samples, 'parley_db_pool_connections')).toBe(1);
    expect(value(samples, 'parley_db_pool_waiting')).toBe(0);
  });
});

describe('GET /metrics with Redis', () => {
  let t: TestApp;
  let redis: TestRedis;
  beforeAll(async () => {
    redis = new TestRedis(await freePort());
    await redis.start();
    t = await startTestApp('postgres', { redisUrl: redis.url });
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('reports whether Redis is up', async () => {
    expect(value(await scrape(t), 'parley_redis_up')).toBe(1);
    await redis.stop();
    await eventually(async () => expect(value(await scrape(t), 'parley_redis_up')).toBe(0), 10_000, 100);
    await redis.start();
    await eventually(async () => expect(value(await scrape(t), 'parley_redis_up')).toBe(1), 15_000, 100);
  }, 40_000);
});
