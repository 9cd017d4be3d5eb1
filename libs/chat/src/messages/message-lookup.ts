import type { EntityManager } from 'typeorm';
import { isUuid } from '../common/canonical-id';
import { bumpRoomVersion } from '../common/room-counters';
import { MessageEntity } from './entities/message.entity';
import { messageNotFound } from './message-errors';

/**
 * A message of a room, or 404: a message id from another room is "not found" here, like a missing one.
 * Writers lock the room row first (never the message first), so every change in a room takes its locks in the
 * same order and two of them cannot deadlock.
 */
export async function findRoomMessage(
  manager: EntityManager,
  roomId: string,
  messageId: string,
  options: { holdAgainstDeletion?: boolean } = {},
): Promise<MessageEntity> {
  if (!isUuid(messageId)) throw messageNotFound();
  // Held against deletion: FOR KEY SHARE, which changes of the message (edits, tombstones) do not wait for.
  const message = await manager.getRepository(MessageEntity).findOne({
    where: { id: messageId, roomId },
    ...(options.holdAgainstDeletion ? { lock: { mode: 'for_key_share' as const } } : {}),
  });
  if (!message) throw messageNotFound();
  return message;
}

/** Records a change of a message: bumps the room version and stamps the message with it. */
export async function stampMessageChange(manager: EntityManager, message: MessageEntity, changes: Partial<MessageEntity>): Promise<MessageEntity> {
  const version = await bumpRoomVersion(manager, message.roomId);
  await manager.getRepository(MessageEntity).update(message.id, { ...changes, version });
  return manager.getRepository(MessageEntity).findOneByOrFail({ id: message.id });
}
