import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { RoomMemberRemovalEntity } from '../members/entities/room-member-removal.entity';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import type { RoomEntity } from './entities/room.entity';
import { MemberViewsService } from '../members/member-views.service';
import { RoomViewsService } from './room-views.service';
import type { ChangesQueryDto, ChangesResponse } from './dto/changes.dto';
import { MessageEntity } from '../messages/entities/message.entity';
import { MessageViewsService } from '../messages/message-views.service';

/** Kinds of changed rows, in page order within one version (cursors hold no negative numbers). */
const MEMBERSHIP = 1;
const MESSAGE = 2;
/** Before every row of a version: the cursor of a page that ended on a version boundary. */
const VERSION_START = 0;

/**
 * A changed row's place in the sync order: (version, kind, key). Memberships (members and removals: a user is
 * one or the other, never both) are keyed by user id, messages by seq.
 */
interface ChangeKey {
  version: number;
  kind: number;
  userId: string;
  seq: number;
}

/** The cursor: the key of the last row sent, within version `v` (always the request's `since` + 1). */
type SyncCursor = { v: number; k: number; u: string; s: number };
const MAX_INT = 2 ** 31 - 1;
const isSyncCursor = (value: unknown): value is SyncCursor => {
  const cursor = value as SyncCursor;
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isInteger(cursor.v) && cursor.v >= 1 && cursor.v <= MAX_INT &&
    [VERSION_START, MEMBERSHIP, MESSAGE].includes(cursor.k) &&
    typeof cursor.u === 'string' && cursor.u.length <= 255 && !cursor.u.includes('\0') &&
    Number.isInteger(cursor.s) && cursor.s >= 0 && cursor.s <= MAX_INT
  );
};

/**
 * `changes?since=`: every row stamped with a room version above `since`, a page at a time. All reads of a page
 * share one REPEATABLE READ snapshot, so the version returned and the rows always belong together.
 *
 * Paging: rows are taken in (version, kind, key) order, `limit` at a time. A page that ends on a version
 * boundary is complete up to the version before the next row's; a page that ends inside one version (a change
 * that touched more rows than a page holds, such as a room created with its members) is complete up to the
 * version before it, and its cursor resumes inside that version. Either way the client asks again with
 * `since` = the page's `version` and `cursor` = `nextCursor`, and nothing is lost: a row changed meanwhile is
 * stamped with a newer version, so it comes later. After the last page (`hasMore` false) the client's state is
 * the server's as of `version`.
 */
@Injectable()
export class SyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly config: ChatConfig,
    private readonly roomViews: RoomViewsService,
    private readonly messageViews: MessageViewsService,
    private readonly memberViews: MemberViewsService,
  ) {}

  async changes(principal: ChatPrincipal, roomId: string, query: ChangesQueryDto): Promise<ChangesResponse> {
    const { since } = query;
    const limit = this.config.pageSize(query.limit);
    const after = query.cursor === undefined ? undefined : this.cursorAfter(query.cursor, since);
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const { room } = await this.access.memberRoom<RoomEntity>(principal.userId, roomId, { manager });
      const keys = await this.changedKeys(manager, roomId, since, after, limit + 1);
      const hasMore = keys.length > limit;
      const page = hasMore ? keys.slice(0, limit) : keys;
      let version = room.version;
      let nextCursor: string | null = null;
      if (hasMore) {
        const last = page[page.length - 1];
        const next = keys[limit];
        // Complete up to the version before the next row's; the cursor resumes at the start of that version or
        // right after the last row sent when the page ends inside one.
        version = next.version - 1;
        nextCursor = encodeCursor(
          next.version > last.version
            ? { v: next.version, k: VERSION_START, u: '', s: 0 }
            : { v: last.version, k: last.kind, u: last.userId, s: last.seq },
        );
      }
      const userIds = page.filter((key) => key.kind === MEMBERSHIP).map((key) => key.userId);
      const seqs = page.filter((key) => key.kind === MESSAGE).map((key) => key.seq);
      const messages = seqs.length ? await manager.getRepository(MessageEntity).find({ where: { roomId, seq: In(seqs) }, order: { seq: 'ASC' } }) : [];
      const members = userIds.length ? await manager.getRepository(RoomMemberEntity).find({ where: { roomId, userId: In(userIds) }, order: { userId: 'ASC' } }) : [];
      const removals = userIds.length ? await manager.getRepository(RoomMemberRemovalEntity).find({ where: { roomId, userId: In(userIds) }, order: { userId: 'ASC' } }) : [];
      return {
        version,
        room: await this.roomViews.one(principal.userId, room, manager),
        messages: await this.messageViews.many(principal.userId, messages, manager),
        members: await this.memberViews.many(members, manager),
        removedMemberIds: removals.map((removal) => removal.userId),
        hasMore,
        nextCursor,
      };
    });
  }

  /** The position a cursor resumes after; it must come with the `since` of the page that gave it. */
  private cursorAfter(cursor: string, since: number): SyncCursor {
    const position = decodeCursor(cursor, isSyncCursor);
    if (position.v !== since + 1) throw new ChatError('INVALID_INPUT', 'cursor does not belong to this since: send the version of the page that gave it');
    return position;
  }

  /**
   * The keys of up to `count` rows changed after `since` (and after the cursor's position), in sync order. One
   * statement over the three tables; each branch reads its own first `count` rows through its (room, version)
   * index, so a page costs the same at the start of a long history as at its end.
   */
  private async changedKeys(manager: EntityManager, roomId: string, since: number, after: SyncCursor | undefined, count: number): Promise<ChangeKey[]> {
    const params: unknown[] = [roomId, since, count];
    const afterPosition = (kind: number, userId: string, seq: string) => {
      if (!after) return '';
      return `AND (x.version, ${kind}, ${userId}, ${seq}) > ($4::int, $5::int, $6::text COLLATE "C", $7::int)`;
    };
    if (after) params.push(after.v, after.k, after.u, after.s);
    const rows: Array<{ version: number; kind: number; user_id: string; seq: number }> = await manager.query(
      `SELECT change.version, change.kind, change.user_id, change.seq FROM (
         (SELECT x.version, ${MEMBERSHIP} AS kind, x.user_id::text COLLATE "C" AS user_id, 0 AS seq FROM chat_room_members x
          WHERE x.room_id = $1 AND x.version > $2 ${afterPosition(MEMBERSHIP, 'x.user_id::text COLLATE "C"', '0')}
          ORDER BY x.version, x.user_id::text COLLATE "C" LIMIT $3)
         UNION ALL
         (SELECT x.version, ${MEMBERSHIP}, x.user_id::text COLLATE "C", 0 FROM chat_room_member_removals x
          WHERE x.room_id = $1 AND x.version > $2 ${afterPosition(MEMBERSHIP, 'x.user_id::text COLLATE "C"', '0')}
          ORDER BY x.version, x.user_id::text COLLATE "C" LIMIT $3)
         UNION ALL
         (SELECT x.version, ${MESSAGE}, ''::text COLLATE "C", x.seq FROM chat_messages x
          WHERE x.room_id = $1 AND x.version > $2 ${afterPosition(MESSAGE, `''::text COLLATE "C"`, 'x.seq')}
          ORDER BY x.version, x.seq LIMIT $3)
       ) AS change
       ORDER BY change.version, change.kind, change.user_id, change.seq
       LIMIT $3`,
      params,
    );
    return rows.map((row) => ({ version: Number(row.version), kind: Number(row.kind), userId: row.user_id, seq: Number(row.seq) }));
  }
}
