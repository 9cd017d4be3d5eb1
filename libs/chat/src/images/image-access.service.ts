import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from '../access/access.service';
import { ChatError } from '../common/chat-error';
import { ImageEntity } from './entities/image.entity';

export const imageNotFound = (): ChatError => new ChatError('IMAGE_NOT_FOUND', 'Image not found');

/**
 * Who may see an image: its uploader, the members of every room where it is attached to a message that is
 * not deleted, and whoever sees a room it is the picture of (its members; anybody for a public room). Anybody else gets 404, exactly as for an image that does not exist, so ids cannot be probed.
 */
@Injectable()
export class ImageAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The image if `userId` may see it, else 404. One query, whatever the number of rooms it is in. */
  async visibleImage(userId: string, imageId: string, manager: EntityManager = this.dataSource.manager): Promise<ImageEntity> {
    const image = isUuid(imageId)
      ? await manager
          .getRepository(ImageEntity)
          .createQueryBuilder('i')
          .where('i.id = :imageId', { imageId })
          .andWhere(
            `(i.uploader_id = :userId OR EXISTS (
               SELECT 1 FROM chat_message_images mi
               JOIN chat_messages msg ON msg.id = mi.message_id AND msg.deleted_at IS NULL
               JOIN chat_room_members rm ON rm.room_id = msg.room_id AND rm.user_id = :userId
               WHERE mi.image_id = i.id) OR EXISTS (
               SELECT 1 FROM chat_rooms r
               WHERE r.image_id = i.id AND (r.is_public OR EXISTS (
                 SELECT 1 FROM chat_room_members rm WHERE rm.room_id = r.id AND rm.user_id = :userId))))`,
            { userId },
          )
          .getOne()
      : null;
    if (!image) throw imageNotFound();
    return image;
  }

  /** Whether `userId` may see the image (see `visibleImage`). */
  async canView(userId: string, imageId: string, manager?: EntityManager): Promise<boolean> {
    return this.visibleImage(userId, imageId, manager).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ChatError && error.code === 'IMAGE_NOT_FOUND') return false;
        throw error;
      },
    );
  }
}
