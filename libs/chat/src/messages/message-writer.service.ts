import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import { ChatError, roomNotFound } from '../common/chat-error';
import { describeError, isDataException } from '../common/error-summary';
import type { ImageEntity } from '../images/entities/image.entity';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import { notYourImages } from '../images/image-errors';
import type { MessageResponse } from './dto/message.response';
import { MessageEntity } from './entities/message.entity';
import { MessageViewsService } from './message-views.service';

/** One validated message waiting to be written (image ids checked by `ImageAttachmentsService.checkImageIds`). */
export interface NewMessage {
  roomId: string;
  senderId: string;
  body: string;
  parentId: string | null;
  clientId: string | null;
  imageIds: string[];
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
}

interface Written {
  message: MessageEntity;
  images: ImageEntity[];
}
type Outcome = Written | Error | { duplicateOf: string };

/** A row of `chat_write_messages` (migration MessageWriteFunction1795330000000): the outcome of one message. */
interface WriteRow {
  w_ord: number;
  w_outcome: 'created' | 'duplicate' | 'not_member' | 'bad_images';
  w_id: string | null;
  w_seq: number | null;
  w_version: number | null;
  w_created_at: Date | string | null;
}

/** Most messages one call writes. */
const MAX_BATCH = 256;
/** Sends waiting beyond this are refused (429) instead of queueing without bound. */
const MAX_QUEUED = 20_000;
const UNIQUE_VIOLATION = '23505';

/**
 * Writes new messages in batches. While a write runs, the sends that arrive meanwhile queue up (in arrival
 * order, so each room's messages keep theirs) and are then written together by the next one, whatever their rooms,
 * in one call of the database function `chat_write_messages`: one round trip and one implicit transaction that
 * locks the rooms (in id order, so concurrent writers never deadlock), checks membership, clientIds and images
 * under those locks, moves the counters and the senders' read pointers and inserts every row. A busy server pays
 * the round trip and the commit once per batch instead of once per message; a lone send is written at once, so
 * a quiet room sees no added latency. Seqs stay gapless and in commit order per room, and writers on other
 * nodes serialise with this one on the room rows' locks. One write at a time per node: the call is one round trip,
 * and two overlapping writers (two connections, rooms split between them) measured slower in the fan-out bench.
 */
@Injectable()
export class MessageWriter {
  private readonly logger = new Logger('MessageWriter');
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly images: ImageAttachmentsService,
    private readonly views: MessageViewsService,
  ) {}

  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      if (this.queue.length >= MAX_QUEUED) return reject(new ChatError('RATE_LIMITED', 'Too many messages are waiting to be written; retry shortly'));
      this.queue.push({ message, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Writes the queue batch after batch until it is empty. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.writeBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
  }

  /** Writes one batch and answers every send of it; never throws (each failure is its send's answer). */
  private async writeBatch(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.insertBatch(batch);
    } catch (error) {
      // Nothing of the batch was written (one call, one transaction). Whatever the cause (a clientId another node
      // took meanwhile, data one sender slipped past validation, a fault), one send must not fail the others':
      // they are written one by one, and only the sends that fail on their own are refused.
      if (batch.length > 1) {
        this.logger.warn(`Writing a batch of ${batch.length} messages failed (${describeError(error)}); writing them one by one`);
        for (const pending of batch) await this.writeBatch([pending]);
        return;
      }
      return this.refuse(batch[0], error);
    }
    try {
      await this.settle(batch, outcomes);
    } catch (error) {
      // Written, but not answered: a retry with the same clientId gets the message.
      this.logger.error(`Answering ${batch.length} written message(s) failed: ${describeError(error)}`);
      for (const pending of batch) pending.reject(error);
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
    const rows: WriteRow[] = await this.dataSource.query(
      `SELECT * FROM chat_write_messages($1::uuid[], $2::varchar[], $3::text[], $4::uuid[], $5::varchar[], $6::int[], $7::uuid[])`,
      [
        unique.map((message) => message.roomId),
        unique.map((message) => message.senderId),
        unique.map((message) => message.body),
        unique.map((message) => message.parentId),
        unique.map((message) => message.clientId),
        unique.flatMap((message, position) => message.imageIds.map(() => position + 1)),
        unique.flatMap((message) => message.imageIds),
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
      else pending.resolve({ kind: 'duplicate', earlierId: outcome.duplicateOf });
    }
  }
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
          senderId: message.senderId,
          body: message.body,
          parentId: message.parentId,
          replyCount: 0,
          pinned: false,
          pinnedAt: null,
          clientId: message.clientId,
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
    case 'not_member':
      return roomNotFound();
  }
}

const isWritten = (outcome: Outcome): outcome is Written => !(outcome instanceof Error) && 'message' in outcome;
const clientKey = (senderId: string, clientId: string): string => `${senderId}\u0000${clientId}`;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}
