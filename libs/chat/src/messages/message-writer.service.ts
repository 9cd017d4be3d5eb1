import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { ChatError, roomNotFound } from '../common/chat-error';
import { ChatEventBus } from '../events/chat-event-bus';
import type { ImageEntity } from '../images/entities/image.entity';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import type { MessageResponse } from './dto/message.response';
import { MessageEntity } from './entities/message.entity';
import { MessageViewsService } from './message-views.service';

/** One validated message waiting to be written. */
export interface NewMessage {
  roomId: string;
  senderId: string;
  body: string;
  parentId: string | null;
  clientId: string | null;
  imageIds: string[];
}

export type WriteResult = { kind: 'created'; message: MessageResponse } | { kind: 'duplicate'; earlierId: string };

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

/**
 * Independent write lanes; a room always uses the same one, so its messages are written in order. A few lanes
 * let transactions overlap (the database has more than one connection) without ever splitting a room.
 */
const LANES = 2;
/** Most messages one transaction writes. */
const MAX_BATCH = 256;
/** Sends waiting in one lane beyond this are refused (429) instead of queueing without bound. */
const MAX_QUEUED_PER_LANE = 20_000;
const UNIQUE_VIOLATION = '23505';

/**
 * Writes new messages in batches. Sends wait in one of a few lanes (chosen by room); while a lane's transaction
 * runs, the sends that arrive meanwhile queue up and are then written together by the next one, whatever their
 * rooms: one lock statement (rooms in id order, so concurrent writers never deadlock), one check and one
 * statement that moves the counters, the read pointers and inserts every row. A busy server pays the
 * transaction's round trips and commit once per batch instead of once per message; a lone send is written at
 * once, so a quiet room sees no added latency. Seqs stay gapless and in commit order per room, and writers on
 * other nodes serialise with this one on the room rows' locks.
 */
@Injectable()
export class MessageWriter {
  private readonly logger = new Logger('MessageWriter');
  private readonly lanes = new Map<number, Pending[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly images: ImageAttachmentsService,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
  ) {}

  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      const lane = laneOf(message.roomId);
      const queue = this.lanes.get(lane);
      if (queue) {
        if (queue.length >= MAX_QUEUED_PER_LANE) return reject(new ChatError('RATE_LIMITED', 'Too many messages are waiting to be written; retry shortly'));
        queue.push({ message, resolve, reject });
        return;
      }
      this.lanes.set(lane, [{ message, resolve, reject }]);
      void this.drain(lane);
    });
  }

  /** Writes a lane's queue batch after batch until it is empty; the queue's presence marks a running drain. */
  private async drain(lane: number): Promise<void> {
    const queue = this.lanes.get(lane) as Pending[];
    while (queue.length > 0) await this.writeBatch(queue.splice(0, MAX_BATCH));
    this.lanes.delete(lane);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.dataSource.transaction((manager) => this.insertBatch(manager, batch));
      await this.settle(batch, outcomes);
    } catch (error) {
      if (batch.length > 1 && isUniqueViolation(error)) {
        // A clientId taken in another room by a concurrent transaction: write one by one, so only that send fails.
        for (const pending of batch) await this.writeBatch([pending]);
        return;
      }
      const { senderId, clientId } = batch[0].message;
      if (batch.length === 1 && isUniqueViolation(error) && clientId) {
        const earlier = await this.dataSource.getRepository(MessageEntity).findOneBy({ senderId, clientId });
        if (earlier) return batch[0].resolve({ kind: 'duplicate', earlierId: earlier.id });
      }
      if (!(error instanceof ChatError)) this.logger.error(`Writing ${batch.length} message(s) failed: ${String(error)}`);
      for (const pending of batch) pending.reject(error);
    }
  }

  /**
   * One transaction for the batch, in four round trips whatever its size: images share-locked first (the order
   * image deletion takes locks in), then the rooms' rows; senders who are not members and clientIds already used
   * are sorted out under those locks; the rest get consecutive seqs and versions per room.
   */
  private async insertBatch(manager: EntityManager, batch: Pending[]): Promise<Outcome[]> {
    const images = new Map<number, ImageEntity[] | Error>();
    for (const [index, { message }] of batch.entries()) {
      if (message.imageIds.length === 0) continue;
      // A check, not a failed statement: a send with somebody else's image fails alone, not the transaction.
      images.set(index, await this.images.requireOwnImages(manager, message.senderId, message.imageIds).catch((error: Error) => error));
    }
    const roomIds = [...new Set(batch.map(({ message }) => message.roomId))].sort();
    const rooms: Array<{ id: string; last_seq: number; version: number }> = await manager.query(
      `SELECT id, last_seq, version FROM chat_rooms WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [roomIds],
    );
    const counters = new Map(rooms.map((room) => [room.id, { seq: room.last_seq, version: room.version, added: 0 }]));
    const { members, earlier } = await this.lockedState(manager, batch);

    const outcomes: Array<Outcome | null> = [];
    const accepted: Array<{ index: number; message: NewMessage; seq: number; version: number }> = [];
    const claimed = new Map<string, number>();
    for (const [index, { message }] of batch.entries()) {
      const key = message.clientId ? clientKey(message.senderId, message.clientId) : null;
      const ownImages = images.get(index);
      const counter = counters.get(message.roomId);
      if (!counter || !members.has(memberKey(message.roomId, message.senderId))) outcomes.push(roomNotFound());
      else if (key && earlier.has(key)) outcomes.push({ duplicateOf: earlier.get(key) as string });
      else if (ownImages instanceof Error) outcomes.push(ownImages);
      else if (key && claimed.has(key)) outcomes.push(null); // a repeat of a send earlier in this batch: resolved below
      else {
        if (key) claimed.set(key, index);
        counter.added += 1;
        accepted.push({ index, message, seq: counter.seq + counter.added, version: counter.version + counter.added });
        outcomes.push(null);
      }
    }
    if (accepted.length > 0) {
      const inserted = await this.insertAccepted(manager, accepted, counters);
      for (const [position, { index }] of accepted.entries()) {
        outcomes[index] = { message: inserted[position], images: (images.get(index) as ImageEntity[] | undefined) ?? [] };
      }
    }
    return outcomes.map((outcome, index) => {
      if (outcome !== null) return outcome;
      const { message } = batch[index];
      const first = outcomes[claimed.get(clientKey(message.senderId, message.clientId as string)) as number] as Written;
      return { duplicateOf: first.message.id };
    });
  }

  /** Under the rooms' locks (a fresh snapshot): which senders are members, which clientIds earlier messages took. */
  private async lockedState(manager: EntityManager, batch: Pending[]): Promise<{ members: Set<string>; earlier: Map<string, string> }> {
    const withIds = batch.filter(({ message }) => message.clientId);
    const [row]: Array<{ members: string | Array<[string, string]>; taken: string | Array<[string, string, string]> }> = await manager.query(
      `SELECT
         COALESCE((SELECT json_agg(json_build_array(m.room_id, m.user_id)) FROM chat_room_members m
           JOIN unnest($1::uuid[], $2::varchar[]) AS k(room_id, user_id) ON m.room_id = k.room_id AND m.user_id = k.user_id), '[]') AS members,
         COALESCE((SELECT json_agg(json_build_array(msg.sender_id, msg.client_id, msg.id)) FROM chat_messages msg
           JOIN unnest($3::varchar[], $4::varchar[]) AS k(sender_id, client_id) ON msg.sender_id = k.sender_id AND msg.client_id = k.client_id), '[]') AS taken`,
      [
        batch.map(({ message }) => message.roomId),
        batch.map(({ message }) => message.senderId),
        withIds.map(({ message }) => message.senderId),
        withIds.map(({ message }) => message.clientId),
      ],
    );
    const members = parseJson<Array<[string, string]>>(row.members);
    const taken = parseJson<Array<[string, string, string]>>(row.taken);
    return {
      members: new Set(members.map(([roomId, userId]) => memberKey(roomId, userId))),
      earlier: new Map(taken.map(([senderId, clientId, id]) => [clientKey(senderId, clientId), id])),
    };
  }

  private async insertAccepted(
    manager: EntityManager,
    accepted: Array<{ message: NewMessage; seq: number; version: number }>,
    counters: Map<string, { added: number }>,
  ): Promise<MessageEntity[]> {
    const grown = [...counters].filter(([, counter]) => counter.added > 0);
    // Sending is reading: each sender has seen everything up to their own newest message in the room.
    const pointers = new Map<string, { roomId: string; userId: string; seq: number }>();
    for (const { message, seq } of accepted) pointers.set(memberKey(message.roomId, message.senderId), { roomId: message.roomId, userId: message.senderId, seq });
    const rows: Array<Record<string, unknown>> = await manager.query(
      `WITH counters AS (
         UPDATE chat_rooms r SET last_seq = r.last_seq + c.added, version = r.version + c.added, last_message_at = now(), last_activity_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS c(id, added) WHERE r.id = c.id
       ), pointers AS (
         UPDATE chat_room_members m SET last_read_seq = GREATEST(m.last_read_seq, p.seq), last_delivered_seq = GREATEST(m.last_delivered_seq, p.seq)
         FROM unnest($3::uuid[], $4::varchar[], $5::int[]) AS p(room_id, user_id, seq) WHERE m.room_id = p.room_id AND m.user_id = p.user_id
       )
       INSERT INTO chat_messages (room_id, seq, sender_id, body, parent_id, client_id, version)
       SELECT * FROM unnest($6::uuid[], $7::int[], $8::varchar[], $9::text[], $10::uuid[], $11::varchar[], $12::int[])
       RETURNING *`,
      [
        grown.map(([roomId]) => roomId),
        grown.map(([, counter]) => counter.added),
        [...pointers.values()].map((pointer) => pointer.roomId),
        [...pointers.values()].map((pointer) => pointer.userId),
        [...pointers.values()].map((pointer) => pointer.seq),
        accepted.map(({ message }) => message.roomId),
        accepted.map(({ seq }) => seq),
        accepted.map(({ message }) => message.senderId),
        accepted.map(({ message }) => message.body),
        accepted.map(({ message }) => message.parentId),
        accepted.map(({ message }) => message.clientId),
        accepted.map(({ version }) => version),
      ],
    );
    const repository = manager.getRepository(MessageEntity);
    const byPosition = new Map(rows.map((row) => [memberKey(row.room_id as string, String(row.seq)), repository.create(messageFromRow(row))]));
    const messages = accepted.map(({ message, seq }) => byPosition.get(memberKey(message.roomId, String(seq))) as MessageEntity);
    for (const [i, { message }] of accepted.entries()) await this.images.attach(manager, messages[i].id, message.imageIds);
    // A reply changes its parent (replyCount) in the same change: the parent takes the reply's version.
    const parents = new Map<string, { replies: number; version: number }>();
    for (const { message, version } of accepted) {
      if (message.parentId) parents.set(message.parentId, { replies: (parents.get(message.parentId)?.replies ?? 0) + 1, version });
    }
    for (const [parentId, { replies, version }] of parents) {
      await manager.query(`UPDATE chat_messages SET reply_count = reply_count + $2, version = $3 WHERE id = $1`, [parentId, replies, version]);
    }
    return messages;
  }

  /**
   * After commit: `message.created` in seq order per room (a new message has no reactions, and its images are
   * known, so its view costs no query), the updated parents of replies, then every send's answer. The sender's
   * read pointer moved to their message, but no `receipt` is sent for it: `message.created` tells every member.
   */
  private async settle(batch: Pending[], outcomes: Outcome[]): Promise<void> {
    const views = new Map<string, MessageResponse>();
    for (const outcome of outcomes) {
      if (isWritten(outcome)) views.set(outcome.message.id, this.views.fresh(outcome.message, outcome.images));
    }
    for (const view of views.values()) this.events.publish('message.created', { roomId: view.roomId, version: view.version, message: view });
    const parentIds = [...new Set([...views.values()].map((view) => view.parentId).filter((id): id is string => id !== null))];
    if (parentIds.length > 0) {
      const parents = await this.dataSource.getRepository(MessageEntity).createQueryBuilder('msg').where('msg.id = ANY(:parentIds)', { parentIds }).getMany();
      for (const parent of await this.views.many(null, parents)) {
        this.events.publish('message.updated', { roomId: parent.roomId, version: parent.version, message: parent });
      }
    }
    for (const [index, pending] of batch.entries()) {
      const outcome = outcomes[index];
      if (isWritten(outcome)) pending.resolve({ kind: 'created', message: views.get(outcome.message.id) as MessageResponse });
      else if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve({ kind: 'duplicate', earlierId: outcome.duplicateOf });
    }
  }
}

const isWritten = (outcome: Outcome): outcome is Written => !(outcome instanceof Error) && 'message' in outcome;
const clientKey = (senderId: string, clientId: string): string => `${senderId}\u0000${clientId}`;
const memberKey = (roomId: string, userId: string): string => `${roomId}\u0000${userId}`;

/** The lane of a room: FNV-1a of its id. */
function laneOf(roomId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) hash = Math.imul(hash ^ roomId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % LANES;
}

/** json columns come back parsed from node-postgres, as text from some drivers. */
function parseJson<T>(value: string | T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}

/** A `RETURNING *` row of chat_messages as entity fields. */
function messageFromRow(row: Record<string, unknown>): Partial<MessageEntity> {
  return {
    id: row.id as string,
    roomId: row.room_id as string,
    seq: row.seq as number,
    senderId: row.sender_id as string,
    body: row.body as string,
    parentId: row.parent_id as string | null,
    replyCount: row.reply_count as number,
    pinned: row.pinned as boolean,
    pinnedAt: row.pinned_at as Date | null,
    clientId: row.client_id as string | null,
    createdAt: row.created_at as Date,
    editedAt: row.edited_at as Date | null,
    deletedAt: row.deleted_at as Date | null,
    version: row.version as number,
  };
}
