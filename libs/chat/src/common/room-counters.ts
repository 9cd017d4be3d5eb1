import type { EntityManager } from 'typeorm';

/**
 * Records one change in a room: increments its version in the caller's transaction and returns the new value.
 * The UPDATE takes the room row's lock, so changes to one room are serialised and their versions follow commit
 * order; other rooms never wait. `memberDelta` adjusts the member count in the same statement.
 */
export async function bumpRoomVersion(manager: EntityManager, roomId: string, memberDelta = 0): Promise<number> {
  // TypeORM answers an UPDATE with [rows, affectedCount].
  const [rows]: [Array<{ version: number }>, number] = await manager.query(
    `UPDATE chat_rooms SET version = version + 1, member_count = member_count + $2 WHERE id = $1 RETURNING version`,
    [roomId, memberDelta],
  );
  if (rows.length === 0) throw new Error(`Room ${roomId} vanished inside its own transaction`);
  return rows[0].version;
}
