import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from '../common/canonical-id';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { bumpRoomVersionIfExists } from '../common/room-counters';
import { toImageResponse, type ImageResponse } from './dto/image.response';
import { ImageEntity } from './entities/image.entity';
import { MessageImageEntity } from './entities/message-image.entity';
import { notYourImages } from './image-errors';

/**
 * Images in messages, for the messages feature: check the images a sender names, unlink them from a deleted
 * message, and render them for a page of messages. Every write runs in the caller's transaction. (New messages
 * are linked to their images by the database function that writes them: see MessageWriter.)
 */
@Injectable()
export class ImageAttachmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
  ) {}

  /**
   * The images `imageIds` names, in that order, if every one is an image `userId` uploaded; else 400. Somebody
   * else's image and a missing one get the same answer, so ids cannot be probed. The rows are share-locked until
   * the caller's transaction ends, so none can be deleted before it attaches them. Call it before taking the
   * room's lock (bumping its counters): deleting an image locks the image first, then the rooms it is in.
   */
  async requireOwnImages(manager: EntityManager, userId: string, imageIds: string[]): Promise<ImageEntity[]> {
    const ids = this.checkImageIds(imageIds);
    if (ids.length === 0) return [];
    const images = await manager
      .getRepository(ImageEntity)
      .createQueryBuilder('i')
      .where('i.id = ANY(:ids) AND i.uploader_id = :userId', { ids, userId })
      .setLock('pessimistic_read')
      .getMany();
    if (images.length !== ids.length) throw notYourImages();
    const byId = new Map(images.map((image) => [image.id, image]));
    return ids.map((id) => byId.get(id) as ImageEntity);
  }

  /**
   * The checks of `imageIds` that need no database: at most the configured number, no image twice, all uuids.
   * Returns the ids in lower case (the form they are stored in).
   */
  checkImageIds(imageIds: string[]): string[] {
    if (imageIds.length === 0) return [];
    const max = this.config.images.maxImagesPerMessage;
    if (imageIds.length > max) throw new ChatError('INVALID_INPUT', `A message can carry at most ${max} images`);
    const ids = imageIds.map((id) => (typeof id === 'string' ? id.toLowerCase() : ''));
    if (new Set(ids).size !== ids.length) throw new ChatError('INVALID_INPUT', 'imageIds must not name an image twice');
    if (!ids.every(isUuid)) throw notYourImages();
    return ids;
  }

  /** The images with these ids, in no particular order (for the views of messages just written). */
  findImages(ids: string[]): Promise<ImageEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(ImageEntity).createQueryBuilder('i').where('i.id = ANY(:ids)', { ids }).getMany();
  }

  /**
   * Unlinks every image of a message (when it is deleted): the tombstone shows none, and its room's members
   * lose access to images that were theirs to see only through it. The images stay their uploader's.
   */
  async detachAll(manager: EntityManager, messageId: string): Promise<void> {
    await manager.getRepository(MessageImageEntity).delete({ messageId });
  }

  /**
   * The images of each message, in their order, for a whole page in one query. Every id asked for is in the map
   * (with [] when it has none). Access is the caller's business: it has checked the viewer may see the messages.
   */
  async imagesForMessages(messageIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, ImageResponse[]>> {
    const result = new Map<string, ImageResponse[]>(messageIds.map((id) => [id, []]));
    if (messageIds.length === 0) return result;
    const links = await manager
      .getRepository(MessageImageEntity)
      .createQueryBuilder('mi')
      .innerJoinAndSelect('mi.image', 'i')
      .where('mi.message_id = ANY(:messageIds)', { messageIds })
      .orderBy('mi.message_id')
      .addOrderBy('mi.position')
      .getMany();
    for (const link of links) result.get(link.messageId)?.push(toImageResponse(link.image as ImageEntity, this.config.path));
    return result;
  }

  /**
   * Before an image is deleted: every live message that shows it changes (its `images` lose one), so each of
   * their rooms records one change (version + 1) and the messages take the new version, for `changes?since=`.
   * The links themselves go with the image (ON DELETE CASCADE). Rooms are locked in id order, so two deletions
   * sharing rooms cannot deadlock.
   */
  async recordRemovalFromMessages(manager: EntityManager, imageId: string): Promise<void> {
    const rows: Array<{ id: string; room_id: string }> = await manager.query(
      `SELECT msg.id, msg.room_id FROM chat_message_images mi
       JOIN chat_messages msg ON msg.id = mi.message_id
       WHERE mi.image_id = $1 AND msg.deleted_at IS NULL
       ORDER BY msg.room_id`,
      [imageId],
    );
    const byRoom = new Map<string, string[]>();
    for (const row of rows) byRoom.set(row.room_id, [...(byRoom.get(row.room_id) ?? []), row.id]);
    for (const [roomId, messageIds] of byRoom) {
      // A room deleted meanwhile (its deletion committed while this waited for the row) took its messages along.
      const version = await bumpRoomVersionIfExists(manager, roomId);
      if (version === null) continue;
      await manager.query(`UPDATE chat_messages SET version = $1 WHERE id = ANY($2::uuid[])`, [version, messageIds]);
    }
  }
}
