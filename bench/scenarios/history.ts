import type { BenchContext } from '../lib/context';
import { API, expectStatus, http, tokenFor } from '../lib/http';
import { log, type ServerProcess } from '../lib/procs';
import { ratio, round, Samples, type Summary } from '../lib/stats';

interface Page {
  items: Array<{ seq: number }>;
  nextCursor: string | null;
}

interface SeededRoom {
  id: string;
  messages: number;
  lastReadSeq: number;
  expectedUnread: number;
  seedSeconds: number;
}

const METRICS = ['newestPage', 'secondPageByCursor', 'middlePageByCursor', 'middlePageBeforeSeq', 'unreadCount'] as const;
type Metric = (typeof METRICS)[number];

/**
 * History at 1,000,000 messages against 1,000: a 50-message page at the newest end and in the middle (through
 * cursors, and through beforeSeq), and the unread count (GET /rooms/{id} → me.unreadCount), each timed
 * sequentially over keep-alive HTTP, interleaved between the two rooms so drift hits both alike.
 */
export async function historyScenario(ctx: BenchContext): Promise<Record<string, unknown>> {
  let server: ServerProcess | undefined;
  const big = ctx.options.historyMessages;
  const small = 1000;
  try {
    server = await ctx.startParley('history');
    const tag = ctx.tag('h');
    const reader = `${tag}-reader`;
    const writer = `${tag}-writer`;
    const token = tokenFor(ctx.secret, reader);
    const create = async (title: string) =>
      ((await expectStatus(http(server!.url, 'POST', `${API}/rooms`, token, { type: 'group', title, memberIds: [writer] }), 201)).body as { id: string }).id;
    const smallRoom = await seed(ctx, await create('history 1k'), small, reader, writer);
    const bigRoom = await seed(ctx, await create('history big'), big, reader, writer);
    const vacuumStarted = performance.now();
    // A bulk load leaves no statistics and no visibility map; a live table has both (autovacuum).
    await ctx.admin.query('VACUUM ANALYZE chat_messages');
    const vacuumSeconds = round((performance.now() - vacuumStarted) / 1000);
    log(`history: seeded ${big} messages in ${bigRoom.seedSeconds} s, ${small} in ${smallRoom.seedSeconds} s; VACUUM ANALYZE ${vacuumSeconds} s`);

    const url = server.url;
    const get = (path: string) => http<any>(url, 'GET', `${API}${path}`, token);
    const requests = async (room: SeededRoom): Promise<Record<Metric, () => Promise<number>>> => {
      const newest = (await expectStatus(get(`/rooms/${room.id}/messages?limit=50`), 200)).body as Page;
      if (newest.items.length !== 50 || newest.items[0].seq !== room.messages) throw new Error(`newest page of ${room.messages}: ${newest.items.length} items from seq ${newest.items[0]?.seq}`);
      const mid = Math.floor(room.messages / 2);
      // The page just above the middle ends at seq mid+1: its cursor leads to the page that starts at mid.
      const above = (await expectStatus(get(`/rooms/${room.id}/messages?limit=50&beforeSeq=${mid + 51}`), 200)).body as Page;
      const check = (page: Page, firstSeq: number, what: string) => {
        if (page.items.length !== 50 || page.items[0].seq !== firstSeq) throw new Error(`${what}: ${page.items.length} items from seq ${page.items[0]?.seq}, expected from ${firstSeq}`);
      };
      const timed = async (path: string, firstSeq: number, what: string) => {
        const result = await expectStatus(get(path), 200);
        check(result.body as Page, firstSeq, what);
        return result.ms;
      };
      return {
        newestPage: () => timed(`/rooms/${room.id}/messages?limit=50`, room.messages, 'newest page'),
        secondPageByCursor: () => timed(`/rooms/${room.id}/messages?limit=50&cursor=${newest.nextCursor}`, room.messages - 50, 'second page'),
        middlePageByCursor: () => timed(`/rooms/${room.id}/messages?limit=50&cursor=${above.nextCursor}`, mid, 'middle page by cursor'),
        middlePageBeforeSeq: () => timed(`/rooms/${room.id}/messages?limit=50&beforeSeq=${mid + 1}`, mid, 'middle page by beforeSeq'),
        unreadCount: async () => {
          const result = await expectStatus(get(`/rooms/${room.id}`), 200);
          const unread = (result.body as { me?: { unreadCount?: number } }).me?.unreadCount;
          if (unread !== room.expectedUnread) throw new Error(`unreadCount ${unread}, expected ${room.expectedUnread}`);
          return result.ms;
        },
      };
    };
    await ctx.waitQuiet('history timings');
    const rooms = { small: await requests(smallRoom), big: await requests(bigRoom) };
    const samples = { small: new Map<Metric, Samples>(), big: new Map<Metric, Samples>() };
    for (const metric of METRICS) {
      samples.small.set(metric, new Samples());
      samples.big.set(metric, new Samples());
    }
    const warmup = Math.max(10, Math.round(ctx.options.historyRepeats / 10));
    const started = performance.now();
    for (let i = 0; i < warmup + ctx.options.historyRepeats; i++) {
      // Alternate which room goes first, so neither always runs on a cache warmed by the other.
      const order = i % 2 === 0 ? (['small', 'big'] as const) : (['big', 'small'] as const);
      for (const metric of METRICS) {
        for (const which of order) {
          const ms = await rooms[which][metric]();
          if (i >= warmup) samples[which].get(metric)!.push(ms);
        }
      }
    }
    const figures: Record<string, { at1k: Summary; atBig: Summary; ratioP50: number | null; ratioP95: number | null; pass: boolean }> = {};
    for (const metric of METRICS) {
      const at1k = samples.small.get(metric)!.summary();
      const atBig = samples.big.get(metric)!.summary();
      const ratioP50 = ratio(atBig.p50, at1k.p50);
      figures[metric] = { at1k, atBig, ratioP50, ratioP95: ratio(atBig.p95, at1k.p95), pass: ratioP50 !== null && ratioP50 <= 1.3 };
      log(`history ${metric}: 1k p50/p95 ${at1k.p50}/${at1k.p95} ms, ${big} p50/p95 ${atBig.p50}/${atBig.p95} ms, ratio ${ratioP50}x`);
    }
    return {
      setup: {
        messages: { big, small },
        lastReadSeq: { big: bigRoom.lastReadSeq, small: smallRoom.lastReadSeq },
        expectedUnread: bigRoom.expectedUnread,
        seedSeconds: { big: bigRoom.seedSeconds, small: smallRoom.seedSeconds },
        vacuumAnalyzeSeconds: vacuumSeconds,
        repeats: ctx.options.historyRepeats,
        warmup,
        seconds: round((performance.now() - started) / 1000),
        how: 'sequential keep-alive HTTP requests, rooms interleaved; ratio = p50 at big / p50 at 1k (target <= 1.3)',
      },
      metrics: figures,
    };
  } finally {
    if (server) await ctx.stop(server);
  }
}

/**
 * Seeds `count` messages in one INSERT ... SELECT generate_series: alternate senders (reader, writer), versions
 * after the room's own (a new room is at version 1), the room's counters set to match, and the reader's read
 * pointer 50 messages before the end (25 of them from the writer: the unread count).
 */
async function seed(ctx: BenchContext, roomId: string, count: number, reader: string, writer: string): Promise<SeededRoom> {
  const started = performance.now();
  const lastReadSeq = count - 50;
  const client = ctx.admin;
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO chat_messages (room_id, seq, sender_id, body, version, created_at)
       SELECT $1, g, CASE WHEN g % 2 = 0 THEN $2 ELSE $3 END, 'history message ' || g || ' lorem ipsum dolor sit amet', g + 1,
              now() - make_interval(secs => ($4::int - g))
       FROM generate_series(1, $4::int) AS g`,
      [roomId, reader, writer, count],
    );
    await client.query(`UPDATE chat_rooms SET last_seq = $2, version = $2 + 1, last_message_at = now(), last_activity_at = now() WHERE id = $1`, [roomId, count]);
    const updated = await client.query(`UPDATE chat_room_members SET last_read_seq = $3, last_delivered_seq = $2 WHERE room_id = $1 AND user_id = $4`, [roomId, count, lastReadSeq, reader]);
    if (updated.rowCount !== 1) throw new Error('the reader is not a member of the seeded room');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
  // seq > lastReadSeq, from the writer (odd seqs), none deleted.
  let expectedUnread = 0;
  for (let seq = lastReadSeq + 1; seq <= count; seq++) if (seq % 2 === 1) expectedUnread++;
  return { id: roomId, messages: count, lastReadSeq, expectedUnread, seedSeconds: round((performance.now() - started) / 1000) };
}
