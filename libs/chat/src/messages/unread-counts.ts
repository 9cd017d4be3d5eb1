import type { EntityManager } from 'typeorm';

export interface ReadPointer {
  roomId: string;
  lastReadSeq: number;
}

/**
 * Unread messages per room for one user: from others (system messages never count), not deleted, after the read
 * pointer. Each count is a
 * range scan of the `(room_id, seq)` index starting at the pointer, so it costs the unread messages, never the
 * whole room; all rooms of a page are counted in one statement.
 */
export async function unreadCounts(manager: EntityManager, userId: string, pointers: ReadPointer[]): Promise<Map<string, number>> {
  if (pointers.length === 0) return new Map();
  const rows: Array<{ room_id: string; unread: number }> = await manager.query(
    `SELECT p.room_id, (
        SELECT count(*)::int FROM chat_messages msg
        WHERE msg.room_id = p.room_id AND msg.seq > p.last_read_seq
          AND msg.type = 'user' AND msg.sender_id <> $1 AND msg.deleted_at IS NULL
      ) AS unread
     FROM unnest($2::uuid[], $3::int[]) AS p(room_id, last_read_seq)`,
    [userId, pointers.map((pointer) => pointer.roomId), pointers.map((pointer) => pointer.lastReadSeq)],
  );
  return new Map(rows.map((row) => [row.room_id, row.unread]));
}

export interface UnreadCounts {
  unread: number;
  /** Those of the unread messages that mention the user. */
  mentions: number;
}

/**
 * `unreadCounts` with, for each room, how many of the unread messages mention the user (`mentions` holds them):
 * the same range scan, one statement for all rooms.
 */
export async function unreadCountsWithMentions(manager: EntityManager, userId: string, pointers: ReadPointer[]): Promise<Map<string, UnreadCounts>> {
  if (pointers.length === 0) return new Map();
  const rows: Array<{ room_id: string; unread: number; mentions: number }> = await manager.query(
    `SELECT p.room_id, c.unread, c.mentions
     FROM unnest($2::uuid[], $3::int[]) AS p(room_id, last_read_seq)
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS unread, count(*) FILTER (WHERE $1 = ANY(msg.mentions))::int AS mentions
       FROM chat_messages msg
       WHERE msg.room_id = p.room_id AND msg.seq > p.last_read_seq AND msg.type = 'user' AND msg.sender_id <> $1 AND msg.deleted_at IS NULL
     ) c`,
    [userId, pointers.map((pointer) => pointer.roomId), pointers.map((pointer) => pointer.lastReadSeq)],
  );
  return new Map(rows.map((row) => [row.room_id, { unread: row.unread, mentions: row.mentions }]));
}
