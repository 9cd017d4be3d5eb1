import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type QueryRunner, type Repository } from 'typeorm';
import { DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS, DEFAULT_ROOM_BUSY_TIMEOUT_MS, DEFAULT_ROOM_LOCK_WAIT_MS } from '../chat.options';
import { SEND_REFUSALS, type SendRefusal } from '../access/access-rules';
import { ChatConfig } from '../common/chat-config';
import { ChatError, roomNotFound } from '../common/chat-error';
import { databaseOutage, isDatabaseUnavailable, serviceUnavailableOf } from '../common/database-outage';
import { describeError, isDataException } from '../common/error-summary';
import { ServiceUnavailableError, roomBusy } from '../common/service-unavailable.error';
import type { ImageEntity } from '../images/entities/image.entity';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import { notYourImages } from '../images/image-errors';
import { ChatMetrics } from '../metrics/chat-metrics';
import type { MessageResponse } from './dto/message.response';
import { BusyShare } from './busy-share';
import { MessageEntity } from './entities/message.entity';
import { invalidMention } from './message-errors';
import { MessageOutbox } from './message-outbox';
import { MessageViewsService } from './message-views.service';
import { SlowModeError } from './slow-mode.error';

/** One validated message waiting to be written (image ids checked by `ImageAttachmentsService.checkImageIds`). */
export interface NewMessage {
  roomId: string;
  senderId: string;
  body: string;
  parentId: string | null;
  clientId: string | null;
  imageIds: string[];
  /** Mentioned user ids, each once (none when left out); the write function checks they are members of the room. */
  mentions?: string[];
}

/**
 * What became of one send: a new message (with its parent, whose reply count it changed, for a reply), or the
 * id of the message its clientId already named.
 */
export type WriteResult = { kind: 'created'; message: MessageResponse; parent: MessageResponse | null } | { kind: 'duplicate'; earlierId: string };

interface Pending {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
  /** When the send was first set aside because its room was busy (its `roomBusyTimeoutMs` runs from then). */
  busySince?: number;
}

/**
 * A room whose row another transaction holds. Its sends wait here, in order (later sends of the room join them, so
 * the room's order is kept), until a timer puts them back at the head of the queue; the backoff doubles per retry.
 */
interface BusyRoom {
  waiting: Pending[];
  retries: number;
  timer: NodeJS.Timeout | null;
}
/** The outcome of a message whose room was busy: not written, retried. */
const BUSY = { busy: true } as const;

interface Written {
  message: MessageEntity;
  images: ImageEntity[];
}
type Outcome = Written | Error | { duplicateOf: string } | typeof BUSY;

/** A row of `chat_write_messages` (migration MessageWriteModeration1795370000500): the outcome of one message. */
interface WriteRow {
  w_ord: number;
  w_outcome: 'created' | 'duplicate' | 'not_member' | 'bad_images' | 'bad_mentions' | 'busy' | SendRefusal | 'slow_mode';
  w_id: string | null;
  w_seq: number | null;
  w_version: number | null;
  w_created_at: Date | string | null;
  /** `slow_mode`: seconds until the sender's slot frees. */
  w_retry_after: number | null;
}

/** Most messages one call writes. */
const MAX_BATCH = 256;
/** Sends waiting beyond this are refused (429) instead of queueing without bound. */
const MAX_QUEUED = 20_000;
const UNIQUE_VIOLATION = '23505';
/** First and longest delay before the sends of a busy room are tried again. */
const BUSY_RETRY_FIRST_MS = 20;
const BUSY_RETRY_MAX_MS = 250;
/** Smallest pool (`max`) from which the writer keeps a connection of its own by default. */
const DEDICATED_CONNECTION_MIN_POOL = 4;

/**
 * Writes new messages in batches. While a write runs, the sends that arrive meanwhile queue up (in arrival
 * order, so each room's messages keep theirs) and are then written together by the next one, whatever their rooms,
 * in one call of the database function `chat_write_messages`: one round trip and one implicit transaction that
 * locks the rooms (in id order, so concurrent writers never deadlock), checks membership, the send rules (silence,
 * frozen rooms, blocks, slow mode: SEND_REFUSALS), clientIds, images and mentions under those locks, moves the counters and the senders' read pointers and inserts every row (with, when
 * notifications are configured, each message's `chat_outbox` row). A busy server pays
 * the round trip and the commit once per batch instead of once per message; a lone send is written at once, so
 * a quiet room sees no added latency. Seqs stay gapless and in commit order per room, and writers on other
 * nodes serialise with this one on the room rows' locks. One write at a time per node: the call is one round trip,
 * and two overlapping writers (two connections, rooms split between them) measured slower in the fan-out bench.
 *
 * A room held by another transaction holds only its own sends: the function takes the free rooms at once, waits
 * at most `messages.roomLockWaitMs` (100 ms) for the others, and writes the batch without those still held (outcome
 * `busy`). Their sends are set aside, in order, and tried again with backoff (20 ms doubling to 250 ms, no lock
 * wait) until the room is free, or answered 503 `ROOM_BUSY` after `messages.roomBusyTimeoutMs` (3 s). So one write
 * (plus that wait) is the most a locked room costs the other rooms.
 *
 * With a pool of several connections the writer keeps one of its own (`messages.dedicatedConnection`), so a
 * reconnect storm's handshakes and syncs, queued for the pool, never queue the sends. The database unreachable:
 * the batch's sends are answered 503 `DATABASE_UNAVAILABLE` at once (logged once per outage by `databaseOutage`).
 */
@Injectable()
export class MessageWriter implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('MessageWriter');
  private readonly queue: Pending[] = [];
  private draining = false;
  /** How much of the last second the writer spent writing: the send path's load, which background work yields to. */
  private readonly busyShare = new BusyShare();
  /** Shutdown: when the application began closing (0 while serving), and the drain once new writes are refused. */
  private closingSince = 0;
  private refusing = false;
  private shutdown?: Promise<void>;
  private readonly drainedWaiters: Array<() => void> = [];
  /** Shared by every caller of `idle()` during one busy spell (resolved when the drain ends). */
  private idleSignal: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Rooms found held by another transaction, with the sends waiting for them. */
  private readonly busyRooms = new Map<string, BusyRoom>();
  private readonly lockWaitMs: number;
  private readonly busyTimeoutMs: number;
  /** The writer's own connection (`messages.dedicatedConnection`), taken on first use and again after a loss. */
  private readonly dedicated: boolean;
  private runner: QueryRunner | null = null;
  private readonly unwatch: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly images: ImageAttachmentsService,
    private readonly views: MessageViewsService,
    private readonly metrics: ChatMetrics,
    private readonly config: ChatConfig,
    private readonly outbox: MessageOutbox,
  ) {
    metrics.trackWriterQueue(() => this.queue.length + this.waitingForBusyRooms);
    metrics.trackWriterBusy(() => this.busyShare.share());
    const options = config.options.messages ?? {};
    this.lockWaitMs = Math.max(0, options.roomLockWaitMs ?? DEFAULT_ROOM_LOCK_WAIT_MS);
    this.busyTimeoutMs = Math.max(0, options.roomBusyTimeoutMs ?? DEFAULT_ROOM_BUSY_TIMEOUT_MS);
    this.dedicated = options.dedicatedConnection ?? poolSize(dataSource) >= DEDICATED_CONNECTION_MIN_POOL;
    // While the database is away, a probe notices its return even when nobody sends.
    this.unwatch = databaseOutage.watch(() => this.dataSource.query('SELECT 1'));
  }

  /** Sends waiting for busy rooms (set aside, not in the queue). */
  get waitingForBusyRooms(): number {
    let count = 0;
    for (const room of this.busyRooms.values()) count += room.waiting.length;
    return count;
  }

  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      if (this.refusing) return reject(shuttingDown());
      if (this.queue.length >= MAX_QUEUED) return reject(new ChatError('RATE_LIMITED', 'Too many messages are waiting to be written; retry shortly'));
      const busy = this.busyRooms.get(message.roomId);
      // Behind the room's sends set aside, so the room keeps its order.
      if (busy?.timer) return void busy.waiting.push({ message, resolve, reject, busySince: Date.now() });
      this.queue.push({ message, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Sends are queued or a batch is being written. Background work (notification delivery) holds back meanwhile, so
   * the send path keeps the CPU and the pool. Sends set aside for a busy room do not count: they wait on a timer.
   */
  get busy(): boolean {
    return this.draining || this.queue.length > 0;
  }

  /** The share of the last second the writer was `busy` (0..1). */
  get recentLoad(): number {
    return this.busyShare.share();
  }

  /** Resolves when the writer is not `busy` (at once if it is not). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    if (!this.idleSignal) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.idleSignal = { promise, resolve };
    }
    return this.idleSignal.promise;
  }

  /** Writes the queue batch after batch until it is empty. */
  private async drain(): Promise<void> {
    this.draining = true;
    this.busyShare.start();
    try {
      while (this.queue.length > 0) await this.writeBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
      this.busyShare.stop();
      this.idleSignal?.resolve();
      this.idleSignal = null;
      if (this.waitingForBusyRooms === 0) for (const done of this.drainedWaiters.splice(0)) done();
    }
  }

  /** Resolves once nothing is queued, set aside for a busy room or being written (every send so far has its answer). */
  drained(): Promise<void> {
    if (!this.draining && this.queue.length === 0 && this.waitingForBusyRooms === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  /** Shutdown begins: the clock of `shutdownTimeoutMs` starts; writes are still taken while sockets finish theirs. */
  onModuleDestroy(): void {
    this.closingSince ||= Date.now();
    this.unwatch();
  }

  /**
   * Shutdown: new writes are refused (503 `SHUTTING_DOWN`: nothing written, the client sends again to another node
   * with the same clientId), and those already queued are written and answered, within `shutdownTimeoutMs` of the
   * start of the shutdown. The gateway calls it once its own in-flight events are done, before it closes its sockets
   * (so the events of these last writes still reach them); the hook is there for an application without sockets.
   */
  beforeApplicationShutdown(): Promise<void> {
    this.shutdown ??= this.refuseAndDrain();
    return this.shutdown;
  }

  private async refuseAndDrain(): Promise<void> {
    this.onModuleDestroy();
    this.refusing = true;
    const queued = this.queue.length;
    const timeoutMs = this.config.options.shutdownTimeoutMs ?? DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, this.closingSince + timeoutMs - Date.now()))));
    const drained = await Promise.race([this.drained().then(() => true), deadline]);
    clearTimeout(timer);
    if (drained) this.logger.log(`Shutdown: new sends refused (503 SHUTTING_DOWN); message writer drained (${queued} queued)`);
    else this.logger.warn(`Shutdown: message writer still has ${this.queue.length + this.waitingForBusyRooms} send(s) queued after ${Date.now() - this.closingSince} ms; closing anyway`);
  }

  /** Writes one batch and answers every send of it; never throws (each failure is its send's answer). */
  private async writeBatch(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.metrics.timeBatch(batch.length, () => this.insertBatch(batch));
    } catch (error) {
      // The database unreachable: every send of the batch is answered 503 at once (the outage is logged once).
      const unavailable = isDatabaseUnavailable(error) ? serviceUnavailableOf(error) : null;
      if (unavailable) return void batch.forEach((pending) => pending.reject(unavailable));
      // Nothing of the batch was written (one call, one transaction). Whatever the cause (a clientId another node
      // took meanwhile, data one sender slipped past validation, a fault), one send must not fail the others':
      // they are written one by one, and only the sends that fail on their own are refused.
      if (batch.length > 1) {
        this.logger.warn(`Writing a batch of ${batch.length} messages failed (${describeError(error)}); writing them one by one`);
        for (const pending of batch) {
          // A room found busy meanwhile keeps its order: its later sends join those set aside.
          const busy = this.busyRooms.get(pending.message.roomId);
          if (busy?.timer) busy.waiting.push(pending);
          else await this.writeBatch([pending]);
        }
        return;
      }
      return this.refuse(batch[0], error);
    }
    databaseOutage.succeeded();
    try {
      await this.settle(batch, outcomes);
    } catch (error) {
      // Written, but not answered: a retry with the same clientId gets the message.
      const unavailable = serviceUnavailableOf(error);
      if (!unavailable) this.logger.error(`Answering ${batch.length} written message(s) failed: ${describeError(error)}`);
      for (const pending of batch) pending.reject(unavailable ?? error);
    }
  }

  /** The answer to a send that failed on its own. */
  private async refuse(pending: Pending, error: unknown): Promise<void> {
    const { roomId, senderId, clientId } = pending.message;
    if (isUniqueViolation(error) && clientId) {
      const earlier = await this.dataSource
        .getRepository(MessageEntity)
        .findOneBy({ senderId, clientId })
        .catch(() => null);
      if (earlier) return pending.resolve({ kind: 'duplicate', earlierId: earlier.id });
    }
    if (isDataException(error)) return pending.reject(new ChatError('INVALID_INPUT', 'The message holds data that cannot be stored'));
    // The database away, the pool exhausted, a lock not granted within the function's safety net: 503 with its code.
    const unavailable = serviceUnavailableOf(error);
    if (unavailable) return pending.reject(unavailable);
    if (!(error instanceof ChatError)) this.logger.error(`Writing a message to room ${roomId} failed: ${describeError(error)}`);
    pending.reject(error);
  }

  /**
   * One call of the write function for the batch. A clientId repeated within the batch is written once; its
   * repeats are answered with the message the first one created (or the first one's error).
   */
  private async insertBatch(batch: Pending[]): Promise<Outcome[]> {
    const firstOfKey = new Map<string, number>();
    const firstOf = batch.map(({ message }, index) => {
      if (!message.clientId) return index;
      const key = clientKey(message.senderId, message.clientId);
      if (!firstOfKey.has(key)) firstOfKey.set(key, index);
      return firstOfKey.get(key) as number;
    });
    const unique = batch.map(({ message }) => message).filter((_, index) => firstOf[index] === index);
    // Rooms already found busy are not waited for again: their sends are tried without a lock wait.
    const nowait = [...new Set(unique.map((message) => message.roomId))].filter((roomId) => this.busyRooms.has(roomId));
    const rows: WriteRow[] = await this.query(
      `SELECT * FROM chat_write_messages($1::uuid[], $2::varchar[], $3::text[], $4::uuid[], $5::varchar[], $6::int[], $7::uuid[], $8::int[], $9::varchar[], $10::int, $11::uuid[], $12::boolean)`,
      [
        unique.map((message) => message.roomId),
        unique.map((message) => message.senderId),
        unique.map((message) => message.body),
        unique.map((message) => message.parentId),
        unique.map((message) => message.clientId),
        unique.flatMap((message, position) => message.imageIds.map(() => position + 1)),
        unique.flatMap((message) => message.imageIds),
        unique.flatMap((message, position) => (message.mentions ?? []).map(() => position + 1)),
        unique.flatMap((message) => message.mentions ?? []),
        this.lockWaitMs,
        nowait,
        this.outbox.enabled,
      ],
    );
    const images = new Map((await this.images.findImages(unique.flatMap((message) => message.imageIds))).map((image) => [image.id, image]));
    const repository = this.dataSource.getRepository(MessageEntity);
    const byMessage = new Map(rows.map((row) => [unique[row.w_ord - 1], outcomeOf(row, unique[row.w_ord - 1], repository, images)]));
    return batch.map((_, index) => {
      const outcome = byMessage.get(batch[firstOf[index]].message) as Outcome;
      return firstOf[index] !== index && isWritten(outcome) ? { duplicateOf: outcome.message.id } : outcome;
    });
  }

  /**
   * After commit, every send's answer, in batch order (so in seq order per room: callers that publish on their
   * answer publish in that order). A new message has no reactions and its images are known, so its view costs
   * no query; the parents of replies are read once for the batch.
   */
  private async settle(batch: Pending[], outcomes: Outcome[]): Promise<void> {
    this.followBusyRooms(batch, outcomes);
    const views = new Map<string, MessageResponse>();
    for (const outcome of outcomes) {
      if (isWritten(outcome)) views.set(outcome.message.id, this.views.fresh(outcome.message, outcome.images));
    }
    const parentIds = [...new Set([...views.values()].map((view) => view.parentId).filter((id): id is string => id !== null))];
    const parents = new Map<string, MessageResponse>();
    if (parentIds.length > 0) {
      const rows = await this.dataSource.getRepository(MessageEntity).createQueryBuilder('msg').where('msg.id = ANY(:parentIds)', { parentIds }).getMany();
      for (const parent of await this.views.many(null, rows)) parents.set(parent.id, parent);
    }
    // A parent that took several replies of the batch is answered once, with the last of them (its version).
    const lastReplyOf = new Map<string, number>();
    for (const [index, outcome] of outcomes.entries()) if (isWritten(outcome) && outcome.message.parentId) lastReplyOf.set(outcome.message.parentId, index);
    for (const [index, pending] of batch.entries()) {
      const outcome = outcomes[index];
      if (isWritten(outcome)) {
        const message = views.get(outcome.message.id) as MessageResponse;
        const parent = message.parentId && lastReplyOf.get(message.parentId) === index ? (parents.get(message.parentId) ?? null) : null;
        pending.resolve({ kind: 'created', message, parent });
      }
      else if (outcome instanceof Error) pending.reject(outcome);
      else if ('duplicateOf' in outcome) pending.resolve({ kind: 'duplicate', earlierId: outcome.duplicateOf });
    }
  }

  /**
   * Sets the sends of busy rooms aside (the room's later sends still queued join them, behind), and forgets the
   * rooms that were written: their row was free again.
   */
  private followBusyRooms(batch: Pending[], outcomes: Outcome[]): void {
    const busy = new Map<string, Pending[]>();
    const written = new Set<string>();
    for (const [index, pending] of batch.entries()) {
      const { roomId } = pending.message;
      if (outcomes[index] !== BUSY) written.add(roomId);
      else busy.set(roomId, [...(busy.get(roomId) ?? []), pending]);
    }
    for (const roomId of written) {
      const room = this.busyRooms.get(roomId);
      if (room && !room.timer && room.waiting.length === 0) this.busyRooms.delete(roomId);
    }
    const now = Date.now();
    for (const [roomId, pendings] of busy) {
      const room = this.busyRooms.get(roomId) ?? { waiting: [], retries: 0, timer: null };
      this.busyRooms.set(roomId, room);
      for (let i = 0; i < this.queue.length; ) {
        if (this.queue[i].message.roomId === roomId) pendings.push(...this.queue.splice(i, 1));
        else i++;
      }
      for (const pending of pendings) {
        pending.busySince ??= now;
        if (now - pending.busySince >= this.busyTimeoutMs) pending.reject(roomBusy());
        else room.waiting.push(pending);
      }
      if (room.waiting.length === 0) {
        if (!room.timer) this.busyRooms.delete(roomId);
        continue;
      }
      if (room.timer) continue;
      const delay = Math.min(BUSY_RETRY_FIRST_MS * 2 ** room.retries, BUSY_RETRY_MAX_MS);
      room.retries++;
      room.timer = setTimeout(() => this.retryBusyRoom(roomId), delay);
      room.timer.unref();
    }
  }

  /** The sends of a busy room go back to the head of the queue, in their order, for the next write. */
  private retryBusyRoom(roomId: string): void {
    const room = this.busyRooms.get(roomId);
    if (!room) return;
    room.timer = null;
    this.queue.unshift(...room.waiting.splice(0));
    if (!this.draining) void this.drain();
  }

  /**
   * A statement on the writer's own connection (`messages.dedicatedConnection`), or on the pool. The connection is
   * taken again after it was lost (the database restarted): a failed one is released, with its error, so the pool
   * discards it.
   */
  private async query<T>(sql: string, parameters: unknown[]): Promise<T> {
    if (!this.dedicated || this.refusing) return this.dataSource.query(sql, parameters);
    if (!this.runner || this.runner.isReleased) this.runner = this.dataSource.createQueryRunner('master');
    const runner = this.runner;
    try {
      return (await runner.query(sql, parameters)) as T;
    } catch (error) {
      // A runner that could not connect keeps its failed connection attempt: it is replaced, as is a lost one.
      const connected = (runner as unknown as { databaseConnection?: unknown }).databaseConnection !== undefined;
      if (!connected || isDatabaseUnavailable(error)) {
        if (this.runner === runner) this.runner = null;
        await runner.release().catch(() => undefined);
      }
      throw error;
    }
  }
}

/** The `max` of the DataSource's pool (node-postgres defaults to 10); 1 for a pool that is not node-postgres'. */
function poolSize(dataSource: DataSource): number {
  if (dataSource.options.type !== 'postgres') return 1;
  const pool = (dataSource.driver as unknown as { master?: { options?: { max?: unknown } } }).master;
  const max = pool?.options?.max;
  return typeof max === 'number' ? max : 1;
}

/** What one row of the write function means for its send. A new message's row is built from what was sent. */
function outcomeOf(row: WriteRow, message: NewMessage, repository: Repository<MessageEntity>, images: Map<string, ImageEntity>): Outcome {
  switch (row.w_outcome) {
    case 'created':
      return {
        message: repository.create({
          id: row.w_id as string,
          roomId: message.roomId,
          seq: row.w_seq as number,
          type: 'user',
          senderId: message.senderId,
          systemEvent: null,
          systemActorId: null,
          systemTargetId: null,
          body: message.body,
          parentId: message.parentId,
          replyCount: 0,
          pinned: false,
          pinnedAt: null,
          clientId: message.clientId,
          mentions: message.mentions ?? [],
          createdAt: new Date(row.w_created_at as Date | string),
          editedAt: null,
          deletedAt: null,
          version: row.w_version as number,
        }),
        images: message.imageIds.map((id) => images.get(id) as ImageEntity),
      };
    case 'duplicate':
      return { duplicateOf: row.w_id as string };
    case 'bad_images':
      return notYourImages();
    case 'bad_mentions':
      return invalidMention();
    case 'not_member':
      return roomNotFound();
    case 'silenced':
    case 'frozen':
    case 'blocked':
      return new ChatError(SEND_REFUSALS[row.w_outcome].code, SEND_REFUSALS[row.w_outcome].message);
    case 'slow_mode':
      return new SlowModeError(row.w_retry_after ?? 1);
    case 'busy':
      return BUSY;
  }
}

const isWritten = (outcome: Outcome): outcome is Written => !(outcome instanceof Error) && 'message' in outcome;
const clientKey = (senderId: string, clientId: string): string => `${senderId}\u0000${clientId}`;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}

/** Seconds a client is told to wait after 503 `SHUTTING_DOWN` (time for its reconnection to reach another node). */
export const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 1;

/** A send refused while the node shuts down: not written; the client sends it again (same clientId) to another node. */
export const shuttingDown = (): ServiceUnavailableError =>
  new ServiceUnavailableError('SHUTTING_DOWN', 'The server is shutting down: send again, another node will write it', SHUTTING_DOWN_RETRY_AFTER_SECONDS);
