import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CHAT_MODULE_OPTIONS } from '../../chat.module-definition';
import { DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS, type ChatModuleOptions } from '../../chat.options';
import { describeError } from '../../common/error-summary';
import { MessageWriter } from '../../messages/message-writer.service';
import { describeRequestError, type DeliveryOutcome, type PushContent } from '../drivers/delivery-outcome';
import { FcmSender } from '../drivers/fcm.sender';
import { WebhookSender, type WebhookEvent } from '../drivers/webhook.sender';
import { WebPushSender } from '../drivers/webpush.sender';
import type { ChatNotification, ChatNotificationDevice } from '../notification-driver';
import { NotificationsConfig } from '../notifications-config';
import type { DeviceRow } from '../recipients/notification-recipients';
import { FailureStreaks } from './failure-streaks';
import { NotificationSignals } from './notification-signals';
import { SendPathPriority } from './send-path-priority';

/** How long a taken delivery is leased past its request timeout: a node that dies mid-send frees it after that. */
const LEASE_MARGIN_MS = 2000;
const SHUTTING_DOWN = 'shutting down';
/** Deliveries taken at once while the message writer stays busy (the once-a-second turn that keeps them moving). */
const BUSY_BATCH = 4;

interface DeliveryRow {
  id: string;
  outbox_id: string;
  channel: 'fcm' | 'webpush' | 'webhook' | 'driver';
  device_id: string | null;
  room_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

interface Result {
  row: DeliveryRow;
  outcome: DeliveryOutcome;
}

/**
 * Sends `chat_deliveries` rows, on every node. A row is taken with `FOR UPDATE SKIP LOCKED` and leased (its
 * `next_attempt_at` pushed past the request timeout), so no two nodes send it at once and a node that dies mid-send
 * frees it when the lease ends. Sent: the row is deleted. Failed: `attempts` + 1 and the next attempt after a backoff
 * (`delivery.firstRetryMs`, doubling, at most `delivery.maxRetryMs`, at least the provider's Retry-After), until
 * `delivery.giveUpAfterMs` after it was queued. A room's domain-event webhooks go one at a time, in order: a row is
 * taken only when no earlier one of its room is waiting (in the deliveries, or still in the outbox).
 *
 * Up to `delivery.concurrency` sends at once per node. Woken by new local deliveries and every
 * `delivery.pollIntervalMs`. New rows are taken only while the message writer is idle and not under load, or a few
 * once a second while it stays loaded (SendPathPriority): the sends go first. At shutdown it takes nothing more, lets the sends under way
 * finish within the shutdown timeout, and hands back the leases of those that did not (another node sends them at
 * once).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('NotificationDelivery');
  private readonly streaks: FailureStreaks;
  private readonly fcm: FcmSender | null;
  private readonly webPush: WebPushSender | null;
  private readonly webhook: WebhookSender | null;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly results: Result[] = [];
  private claiming: Promise<void> | null = null;
  private claimAgain = false;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private failing = false;
  private timer?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  /** Aborted as the shutdown starts: a claim waiting for its turn gives up. */
  private readonly halt = new AbortController();
  private readonly priority: SendPathPriority;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly shutdownTimeoutMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: NotificationsConfig,
    private readonly signals: NotificationSignals,
    @Inject(CHAT_MODULE_OPTIONS) options: ChatModuleOptions,
    writer: MessageWriter,
  ) {
    const { requestTimeoutMs: timeout, concurrency } = config.delivery;
    this.fcm = config.fcm ? new FcmSender(config.fcm, timeout, concurrency) : null;
    this.webPush = config.webPush ? new WebPushSender(config.webPush, timeout, concurrency) : null;
    this.webhook = config.webhook ? new WebhookSender(config.webhook, timeout, concurrency) : null;
    this.priority = new SendPathPriority(writer);
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS;
    this.streaks = new FailureStreaks(this.logger, 2 * config.delivery.maxRetryMs + 60_000);
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    if (this.config.webhook && this.config.webhook.secret.length < 16) {
      this.logger.warn('The webhook secret (WEBHOOK_SECRET) is shorter than 16 characters: signatures are only as strong as it; use a long random one');
    }
    this.unsubscribe.push(this.signals.onDeliveries(() => this.wake()));
    this.timer = setInterval(() => this.wake(), this.config.delivery.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Shutdown, started with the application's (so the other modules' shutdown work runs meanwhile): nothing more is
   * taken, the sends under way get until `shutdownTimeoutMs` (less a second) after the start, then are cut and their
   * rows handed back at once (another node sends them, or this one after its restart).
   */
  onModuleDestroy(): void {
    this.stopping ??= this.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    await this.stopping;
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    const started = Date.now();
    await this.claiming;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, started + this.shutdownTimeoutMs - 1000 - Date.now()))));
    await Promise.race([Promise.all(this.inflight.values()), expired]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.race([Promise.all(this.inflight.values()), new Promise((resolve) => setTimeout(resolve, 200).unref())]);
    const unfinished = [...this.inflight.keys()];
    try {
      await this.flushing;
      await this.flush();
      if (unfinished.length > 0) {
        await this.dataSource.query(`UPDATE chat_deliveries SET next_attempt_at = now() WHERE id = ANY($1::bigint[])`, [unfinished]);
        this.logger.warn(`Shutdown: ${unfinished.length} notification deliveries were still being sent; handed back to the queue`);
      }
    } catch (error) {
      // Their leases end by themselves: the rows are sent again then.
      this.logger.warn(`Shutdown: could not record the last notification deliveries: ${describeError(error)}`);
    }
    // Every send has ended (or was cut): the kept-alive connections go.
    this.fcm?.close();
    this.webPush?.close();
    this.webhook?.close();
  }

  /** Takes due deliveries now (as many as there are free slots), or right after the pass under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim().finally(() => {
      this.claiming = null;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.wake();
      }
    });
  }

  private async claim(): Promise<void> {
    if (this.config.delivery.concurrency - this.inflight.size <= 0 || this.stopped) return;
    const turn = await this.priority.turn(this.halt.signal);
    if (turn === 'stopped') return;
    const free = this.config.delivery.concurrency - this.inflight.size;
    const limit = turn === 'fallback' ? Math.min(free, BUSY_BATCH) : free;
    let rows: DeliveryRow[];
    try {
      rows = await this.take(limit);
      if (this.failing) this.logger.log('Notification deliveries can be read again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.error(`Cannot read notification deliveries, retrying every ${this.config.delivery.pollIntervalMs} ms: ${describeError(error)}`);
      this.failing = true;
      return;
    }
    // The devices of the pushes, in one query (a push goes to the device as it is now: deleted or moved, none).
    let devices = new Map<string, DeviceRow>();
    const deviceIds = [...new Set(rows.map((row) => row.device_id).filter((id): id is string => id !== null))];
    if (deviceIds.length > 0) {
      try {
        const found: DeviceRow[] = await this.dataSource.query(`SELECT id, user_id, platform, target, p256dh, auth FROM chat_devices WHERE id = ANY($1::uuid[])`, [deviceIds]);
        devices = new Map(found.map((device) => [device.id, device]));
      } catch (error) {
        // Their leases end by themselves; they are taken again then.
        this.logger.error(`Cannot read the devices of notification deliveries: ${describeError(error)}`);
        return;
      }
    }
    for (const row of rows) {
      const device = row.device_id ? devices.get(row.device_id) : undefined;
      const send = this.deliver(row, device && device.user_id === row.payload.userId ? device : null)
        .catch((error: unknown): DeliveryOutcome => ({ kind: 'retry', reason: describeRequestError(error) }))
        .then((outcome) => {
          // Cut by the shutdown: handed back as it was, not counted as a failure.
          if (this.abort.signal.aborted && outcome.kind === 'retry') outcome = { kind: 'retry', reason: SHUTTING_DOWN };
          this.inflight.delete(row.id);
          this.results.push({ row, outcome });
          void this.flushSoon();
        });
      this.inflight.set(row.id, send);
    }
    if (rows.length === limit) this.claimAgain = true;
  }

  /**
   * Leases up to `limit` due rows, oldest due first, from two lanes: rows that go in any order (`room_id` NULL), and
   * the first queued webhook of each room, taken only when no earlier outbox row of its room still waits for the
   * dispatcher. The room heads are found by skipping through `chat_deliveries_room_order_idx` one room at a time
   * (a recursive query), so a room whose head is in flight or backing off costs one index probe, not a walk over its
   * waiting webhooks. The due time is checked again in the locking query itself: PostgreSQL re-evaluates that query's
   * own conditions on a row another transaction changed meanwhile (its lease), not those of the subqueries.
   */
  private async take(limit: number): Promise<DeliveryRow[]> {
    const leaseMs = this.config.delivery.requestTimeoutMs + LEASE_MARGIN_MS;
    return this.dataSource.query(
      // A SELECT around the UPDATE: TypeORM answers an UPDATE's RETURNING as [rows, count], a SELECT as rows.
      `WITH taken AS (
       UPDATE chat_deliveries SET next_attempt_at = now() + ($2::int * interval '1 millisecond')
       WHERE id IN (
         SELECT c.id FROM chat_deliveries c
         WHERE c.id = ANY(ARRAY(
           (SELECT d.id FROM chat_deliveries d WHERE d.room_id IS NULL AND d.next_attempt_at <= now() ORDER BY d.next_attempt_at, d.id LIMIT $1)
           UNION ALL
           (WITH RECURSIVE rooms(room_id) AS (
              (SELECT room_id FROM chat_deliveries WHERE channel = 'webhook' AND room_id IS NOT NULL ORDER BY room_id LIMIT 1)
              UNION ALL
              SELECT (SELECT n.room_id FROM chat_deliveries n WHERE n.channel = 'webhook' AND n.room_id > r.room_id ORDER BY n.room_id LIMIT 1)
              FROM rooms r WHERE r.room_id IS NOT NULL)
            SELECT h.id FROM rooms r
            CROSS JOIN LATERAL (
              SELECT w.id, w.outbox_id, w.next_attempt_at FROM chat_deliveries w
              WHERE w.channel = 'webhook' AND w.room_id = r.room_id ORDER BY w.outbox_id, w.id LIMIT 1) h
            WHERE h.next_attempt_at <= now()
              AND NOT EXISTS (SELECT 1 FROM chat_outbox o WHERE o.room_id = r.room_id AND o.id < h.outbox_id))))
           -- Again on the row as locked: a row another node leased since this statement's snapshot is skipped.
           AND c.next_attempt_at <= now()
         ORDER BY c.next_attempt_at, c.id
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id, outbox_id, channel, device_id, room_id, payload, attempts, created_at)
       SELECT * FROM taken`,
      [limit, leaseMs],
    );
  }

  private async deliver(row: DeliveryRow, device: DeviceRow | null): Promise<DeliveryOutcome> {
    const signal = this.abort.signal;
    switch (row.channel) {
      case 'webhook':
        if (!this.webhook) return { kind: 'failed', reason: 'no webhook is configured any more' };
        return this.webhook.send(row.payload as unknown as WebhookEvent, signal);
      case 'fcm':
      case 'webpush': {
        if (!device) return { kind: 'sent', skipped: true }; // The device was deleted, or moved to another user: nothing to send.
        const push = pushOf(row.payload);
        if (row.channel === 'fcm') return this.fcm ? this.fcm.send(device.target, push, signal) : { kind: 'failed', reason: 'FCM is not configured any more' };
        if (!this.webPush) return { kind: 'failed', reason: 'Web Push is not configured any more' };
        if (!device.p256dh || !device.auth) return { kind: 'failed', reason: 'the subscription has no keys' };
        // Checked at registration too; again here, so a narrowed allow-list applies to devices registered before.
        if (!this.config.isAllowedWebPushEndpoint(device.target)) return { kind: 'failed', reason: 'the endpoint is not on an allowed push-service host' };
        return this.webPush.send({ endpoint: device.target, p256dh: device.p256dh, auth: device.auth }, push, signal);
      }
      case 'driver':
        return this.callDriver(row);
    }
  }

  private async callDriver(row: DeliveryRow): Promise<DeliveryOutcome> {
    const payload = row.payload as unknown as { driver: string; userId: string };
    const entry = this.config.drivers.find((driver) => driver.name === payload.driver);
    if (!entry) return { kind: 'failed', reason: `no notification driver is named "${payload.driver}" any more` };
    const devices: DeviceRow[] = await this.dataSource.query(`SELECT id, user_id, platform, target, p256dh, auth FROM chat_devices WHERE user_id = $1 ORDER BY created_at, id`, [payload.userId]);
    const push = pushOf(row.payload);
    const notification: ChatNotification = {
      userId: payload.userId,
      roomId: push.data.roomId,
      messageId: push.data.messageId,
      title: push.title,
      body: push.body,
      data: push.data,
      devices: devices.map(
        (device): ChatNotificationDevice => ({
          id: device.id,
          platform: device.platform,
          target: device.target,
          keys: device.p256dh && device.auth ? { p256dh: device.p256dh, auth: device.auth } : null,
        }),
      ),
    };
    try {
      await entry.driver.send(notification);
      return { kind: 'sent' };
    } catch (error) {
      return { kind: 'retry', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  /** Writes the results gathered so far (one statement each for sent, retried, dropped), then takes more work. */
  private flushSoon(): Promise<void> {
    this.flushing ??= this.flush()
      .catch((error: unknown) => {
        // The leases end by themselves: those rows are sent again (at least once).
        this.logger.error(`Cannot record notification deliveries: ${describeError(error)}`);
      })
      .finally(() => {
        this.flushing = null;
        if (this.results.length > 0) void this.flushSoon();
        else this.wake();
      });
    return this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0);
      const done: string[] = [];
      const goneDevices: string[] = [];
      const usedDevices: string[] = [];
      const retries: Array<{ id: string; delayMs: number; error: string }> = [];
      const handedBack: string[] = [];
      const now = Date.now();
      const { firstRetryMs, maxRetryMs, giveUpAfterMs } = this.config.delivery;
      for (const { row, outcome } of batch) {
        const channel = row.channel === 'driver' ? `driver:${String(row.payload.driver)}` : row.channel;
        switch (outcome.kind) {
          case 'sent':
            done.push(row.id);
            if (row.device_id && !outcome.skipped) usedDevices.push(row.device_id);
            this.streaks.succeeded(channel, row.id);
            break;
          case 'gone':
            done.push(row.id);
            if (row.device_id) goneDevices.push(row.device_id);
            this.streaks.succeeded(channel, row.id);
            break;
          case 'failed':
            done.push(row.id);
            this.streaks.dropped(channel, row.id, outcome.reason);
            break;
          case 'retry': {
            const delayMs = Math.max(Math.min(firstRetryMs * 2 ** Math.min(row.attempts, 30), maxRetryMs), outcome.retryAfterMs ?? 0);
            if (outcome.reason === SHUTTING_DOWN) {
              handedBack.push(row.id);
            } else if (now + delayMs - new Date(row.created_at).getTime() > giveUpAfterMs) {
              done.push(row.id);
              this.streaks.dropped(channel, row.id, `${outcome.reason}; still failing ${Math.round((now - new Date(row.created_at).getTime()) / 60_000)} min after it was queued`);
            } else {
              retries.push({ id: row.id, delayMs, error: outcome.reason });
              this.streaks.failed(channel, row.id, outcome.reason);
            }
            break;
          }
        }
      }
      if (done.length > 0) {
        await this.dataSource.query(
          `WITH done AS (DELETE FROM chat_deliveries WHERE id = ANY($1::bigint[]) RETURNING id)
           UPDATE chat_devices SET last_used_at = now() WHERE id = ANY($2::uuid[])`,
          [done, [...new Set(usedDevices)]],
        );
      }
      if (goneDevices.length > 0) {
        // Its other pending pushes go with it (ON DELETE CASCADE).
        await this.dataSource.query(`DELETE FROM chat_devices WHERE id = ANY($1::uuid[])`, [[...new Set(goneDevices)]]);
      }
      if (handedBack.length > 0) await this.dataSource.query(`UPDATE chat_deliveries SET next_attempt_at = now() WHERE id = ANY($1::bigint[])`, [handedBack]);
      if (retries.length > 0) {
        await this.dataSource.query(
          `UPDATE chat_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + ((r->>'delayMs')::int * interval '1 millisecond'), last_error = left(r->>'error', 500)
           FROM jsonb_array_elements($1::jsonb) AS r WHERE d.id = (r->>'id')::bigint`,
          [JSON.stringify(retries)],
        );
      }
    }
  }
}

function pushOf(payload: Record<string, unknown>): PushContent {
  const data = (payload.data ?? {}) as Record<string, unknown>;
  return {
    title: String(payload.title ?? ''),
    body: String(payload.body ?? ''),
    data: { roomId: String(data.roomId ?? ''), messageId: String(data.messageId ?? ''), seq: String(data.seq ?? '') },
  };
}
