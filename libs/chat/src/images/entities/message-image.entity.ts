import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ImageEntity } from './image.entity';

/**
 * An image attached to a message, at `position` in the message's list. Deleting the message or the image
 * removes the link; the index on `image_id` serves the access check ("is this image in a message I can see")
 * and the image's deletion.
 */
@Entity({ name: 'chat_message_images' })
@Check('chat_message_images_position_ck', `"position" >= 0`)
@Index('chat_message_images_image_idx', ['imageId'])
export class MessageImageEntity {
  @PrimaryColumn({ name: 'message_id', type: 'uuid', primaryKeyConstraintName: 'chat_message_images_pk' })
  messageId: string;

  @PrimaryColumn({ name: 'image_id', type: 'uuid', primaryKeyConstraintName: 'chat_message_images_pk' })
  imageId: string;

  // Named, not imported: the messages feature depends on this one, never the reverse.
  @ManyToOne('MessageEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'chat_message_images_message_fk' })
  message?: object;

  @ManyToOne(() => ImageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'image_id', foreignKeyConstraintName: 'chat_message_images_image_fk' })
  image?: ImageEntity;

  @Column({ type: 'integer' })
  position: number;
}
