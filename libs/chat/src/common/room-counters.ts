import type { EntityManager } from 'typeorm';

/**
 * Records one change in a room: increments its version in the caller's transaction and returns the new value.
 * The UPDATE takes the room row's lock, so changes to one room are serialised and their versions follow commit
 * order; other rooms never wait. `memberDelta` adjusts the member count in the same statement.
 */
export async function bumpRoomVersion(manager: EntityManager, roomId: string, memberDelta = 0): Promise<number> {
  const version = await bumpRoomVersionIfExists(manager, roomId, memberDelta);
  if (version === null) throw new Error(`Room ${roomId} vanished inside its own transaction`);
  return version;
}

/**
 * bumpRoomVersion for a room the caller has not locked before: null when the room is gone (deleted by a
 * transaction that committed while this one waited for the row), so the caller can skip it instead of failing.
 */
export async function bumpRoomVersionIfExists(manager: EntityManager, roomId: string, memberDelta = 0): Promise<number | null> {
  // TypeORM answers an UPDATE with [rows, affectedCount].
  const [rows]: [Array<{ version: number }>, number] = await manager.query(
    `UPDATE chat_rooms SET version = version + 1, member_count = member_count + $2 WHERE id = $1 RETURNING version`,
    [roomId, memberDelta],
  );
  return rows.length === 0 ? null : rows[0].version;
}
