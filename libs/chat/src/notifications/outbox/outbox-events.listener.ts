import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { describeError } from '../../common/error-summary';
import { ChatEventBus } from '../../events/chat-event-bus';
import type { ChatEvent } from '../../events/chat-events';
import { NotificationsConfig, WEBHOOK_EVENT_TYPES } from '../notifications-config';
import { NotificationSignals } from './notification-signals';

/**
 * Domain events other than `message.created` (whose outbox row the message write itself makes, in its transaction)
 * become `chat_outbox` rows of kind 'event' right after their commit, when a webhook takes them. Rows are written in
 * the order the events were published (one insert per batch), so a room's events keep their order. Limit, documented:
 * a node that dies between an event's commit and this insert (a few milliseconds) loses that one webhook.
 */
@Injectable()
export class OutboxEventsListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('NotificationOutbox');
  /** Event types stored by this listener: the webhook's, less those made elsewhere. */
  private readonly types: Set<string>;
  private queue: Array<{ roomId: string | null; payload: { type: string; data: unknown; createdAt: string } }> = [];
  private flushing: Promise<void> | null = null;
  private failing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: NotificationsConfig,
    private readonly events: ChatEventBus,
    private readonly signals: NotificationSignals,
  ) {
    this.types = new Set(WEBHOOK_EVENT_TYPES.filter((type) => type !== 'notification' && type !== 'message.created' && config.webhookWants(type)));
  }

  onApplicationBootstrap(): void {
    if (this.types.size === 0) return;
    this.events.onAny((event) => this.take(event));
  }

  /** Events published while the application closes are still written (their changes committed). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushed();
  }

  /** Resolves when every event taken so far is written (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private take(event: ChatEvent): void {
    if (!this.types.has(event.name)) return;
    const data = event.payload as unknown as Record<string, unknown>;
    const roomId = typeof data.roomId === 'string' ? data.roomId : null;
    this.queue.push({ roomId, payload: { type: event.name, data, createdAt: new Date().toISOString() } });
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.dataSource.query(
            `INSERT INTO chat_outbox (room_id, kind, payload)
             SELECT (e->>'roomId')::uuid, 'event', e->'payload' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord) ORDER BY ord`,
            [JSON.stringify(batch)],
          );
          if (this.failing) this.logger.log('Webhook events are written to the outbox again');
          this.failing = false;
          this.signals.outboxWritten();
        } catch (error) {
          // The change itself has committed; only its webhook is lost. Logged once per outage.
          if (!this.failing) this.logger.error(`Cannot queue webhook events (${batch.length} lost): ${describeError(error)}`);
          this.failing = true;
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
