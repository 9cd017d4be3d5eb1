import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { describeError } from '../../common/error-summary';
import { ChatEventBus } from '../../events/chat-event-bus';
import { MessageEntity } from '../../messages/entities/message.entity';
import { MessageWriter } from '../../messages/message-writer.service';
import { MessageViewsService } from '../../messages/message-views.service';
import type { WebhookEvent } from '../drivers/webhook.sender';
import { NotificationsConfig } from '../notifications-config';
import { NotificationRecipients } from '../recipients/notification-recipients';
import { NotificationSignals } from './notification-signals';
import { SendPathPriority } from './send-path-priority';

/** Outbox rows taken per transaction. */
const DISPATCH_BATCH = 50;
/**
 * Outbox rows taken at once while the send path stays loaded (the once-a-second turn). Small: each row fans out into a
 * delivery per device and webhook, and the turn holds the event loop and the database meanwhile.
 */
const BUSY_DISPATCH_BATCH = 2;

interface OutboxRow {
  id: string;
  room_id: string | null;
  kind: 'message' | 'event';
  payload: { messageId?: string; type?: string; data?: unknown; createdAt?: string };
  created_at: Date;
}

/** A `chat_deliveries` row to insert. */
export interface NewDelivery {
  outboxId: string;
  channel: 'fcm' | 'webpush' | 'webhook' | 'driver';
  deviceId: string | null;
  /** Set for a room's domain-event webhooks only: they are sent one at a time per room, in order. */
  roomId: string | null;
  payload: unknown;
}

/**
 * Turns `chat_outbox` rows into `chat_deliveries` rows. On every node: takes the oldest rows nobody else holds
 * (`FOR UPDATE SKIP LOCKED`), works out who is notified, and in the same transaction inserts the deliveries and deletes
 * the rows; a node that dies midway rolls back, and the rows are taken again by another node or after the restart.
 * Woken by a local send (fast path) and every `delivery.pollIntervalMs` (other nodes' sends, left-over work).
 * Each batch waits for the message writer to be idle and not under load, or takes a smaller one once a second while
 * it stays loaded (SendPathPriority): the sends go first.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('NotificationDispatcher');
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failing = false;
  private timer?: NodeJS.Timeout;
  private readonly unsubscribe: Array<() => void> = [];
  /** Aborted at shutdown: a pass waiting for its turn gives up. */
  private readonly halt = new AbortController();
  private readonly priority: SendPathPriority;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: NotificationsConfig,
    private readonly recipients: NotificationRecipients,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
    private readonly signals: NotificationSignals,
    writer: MessageWriter,
  ) {
    this.priority = new SendPathPriority(writer);
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    this.unsubscribe.push(this.events.on('message.created', () => this.wake()), this.signals.onOutbox(() => this.wake()));
    this.timer = setInterval(() => this.wake(), this.config.delivery.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops taking rows at once (rows not taken stay for another node or the restart). */
  onModuleDestroy(): void {
    this.stopped = true;
    this.halt.abort();
    clearInterval(this.timer);
    for (const stop of this.unsubscribe.splice(0)) stop();
  }

  /** Waits for the transaction under way, if any. */
  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    await this.running;
  }

  /** Runs a dispatch pass now, or right after the one under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const turn = await this.priority.turn(this.halt.signal);
        if (turn === 'stopped') break;
        const limit = turn === 'fallback' ? BUSY_DISPATCH_BATCH : DISPATCH_BATCH;
        const taken = await this.dispatchBatch(limit);
        if (taken < limit) break;
      }
      if (this.failing) this.logger.log('Notification dispatch works again');
      this.failing = false;
    } catch (error) {
      // Nothing is lost: the rows stay in the outbox and the next pass (poll) takes them again.
      if (!this.failing) this.logger.error(`Notification dispatch failed, retrying every ${this.config.delivery.pollIntervalMs} ms: ${describeError(error)}`);
      this.failing = true;
    }
  }

  /** One transaction: take rows, insert their deliveries, delete them. Resolves with how many rows were taken. */
  private async dispatchBatch(limit: number): Promise<number> {
    let inserted = 0;
    const taken = await this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, room_id, kind, payload, created_at FROM chat_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const deliveries = await this.deliveriesFor(manager, rows);
      if (deliveries.length > 0) {
        await manager.query(
          `INSERT INTO chat_deliveries (outbox_id, channel, device_id, room_id, payload)
           SELECT (d->>'outboxId')::bigint, d->>'channel', (d->>'deviceId')::uuid, (d->>'roomId')::uuid, d->'payload'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(d, ord) ORDER BY ord`,
          [JSON.stringify(deliveries)],
        );
      }
      await manager.query(`DELETE FROM chat_outbox WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      inserted = deliveries.length;
      return rows.length;
    });
    if (inserted > 0) this.signals.deliveriesWritten();
    return taken;
  }

  /** The deliveries of some outbox rows, in row order (a room's webhooks keep the order of its events). */
  private async deliveriesFor(manager: EntityManager, rows: OutboxRow[]): Promise<NewDelivery[]> {
    const config = this.config;
    const messageIds = rows.filter((row) => row.kind === 'message' && typeof row.payload.messageId === 'string').map((row) => row.payload.messageId as string);
    const notifications = new Map((await this.recipients.forMessages(manager, messageIds)).map((entry) => [entry.messageId, entry]));
    const created = config.webhookWants('message.created') ? await this.messageViews(manager, messageIds) : new Map<string, unknown>();
    const deliveries: NewDelivery[] = [];
    for (const row of rows) {
      const createdAt = row.payload.createdAt ?? new Date(row.created_at).toISOString();
      if (row.kind === 'event') {
        if (row.payload.type && config.webhookWants(row.payload.type)) {
          deliveries.push({ outboxId: row.id, channel: 'webhook', deviceId: null, roomId: row.room_id, payload: webhookEvent(row.payload.type, createdAt, row.payload.data) });
        }
        continue;
      }
      const messageId = row.payload.messageId as string;
      const snapshot = created.get(messageId);
      if (snapshot) deliveries.push({ outboxId: row.id, channel: 'webhook', deviceId: null, roomId: row.room_id, payload: webhookEvent('message.created', createdAt, snapshot) });
      const entry = notifications.get(messageId);
      if (!entry) continue;
      for (const recipient of entry.recipients) {
        const userId = recipient.userId;
        for (const device of recipient.devices) {
          if ((device.platform === 'fcm' && config.fcm) || (device.platform === 'webpush' && config.webPush)) {
            deliveries.push({ outboxId: row.id, channel: device.platform, deviceId: device.id, roomId: null, payload: { userId, ...entry.push } });
          }
        }
        for (const { name } of config.drivers) {
          deliveries.push({ outboxId: row.id, channel: 'driver', deviceId: null, roomId: null, payload: { driver: name, userId, ...entry.push } });
        }
        if (config.webhookWants('notification')) {
          const data = { userId, roomId: entry.roomId, messageId, title: entry.push.title, body: entry.push.body };
          deliveries.push({ outboxId: row.id, channel: 'webhook', deviceId: null, roomId: null, payload: webhookEvent('notification', createdAt, data) });
        }
      }
    }
    return deliveries;
  }

  /** `message.created` data as the socket event carries it: `{ roomId, version, message }` (viewer-independent). */
  private async messageViews(manager: EntityManager, messageIds: string[]): Promise<Map<string, unknown>> {
    if (messageIds.length === 0) return new Map();
    const entities = await manager.getRepository(MessageEntity).findBy({ id: In(messageIds) });
    const views = await this.views.many(null, entities, manager);
    return new Map(views.map((message) => [message.id, { roomId: message.roomId, version: message.version, message }]));
  }
}

function webhookEvent(type: string, createdAt: string, data: unknown): WebhookEvent {
  return { id: randomUUID(), type, createdAt, data };
}
