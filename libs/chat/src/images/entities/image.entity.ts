import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An uploaded image. The row describes the file as it is served (re-encoded without metadata, EXIF orientation
 * applied); its bytes and its thumbnail's are in the storage driver under `file_key` and `thumbnail_key`.
 * Images never change after upload, so `sha256` is a strong ETag for the file's whole life.
 */
@Entity({ name: 'chat_images' })
@Check('chat_images_positive_ck', `"size" > 0 AND "width" > 0 AND "height" > 0 AND "thumbnail_size" > 0`)
@Index('chat_images_uploader_created_idx', ['uploaderId', 'createdAt', 'id'])
export class ImageEntity {
  /** Chosen before the bytes are stored, so the storage keys can carry it. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'chat_images_pk' })
  id: string;

  @Column({ name: 'uploader_id', type: 'varchar', length: 255 })
  uploaderId: string;

  /** `image/png`, `image/jpeg`, `image/webp` or `image/gif`: what the bytes are, whatever the upload claimed. */
  @Column({ name: 'mime_type', type: 'varchar', length: 32 })
  mimeType: string;

  /** Bytes of the served file. */
  @Column({ type: 'integer' })
  size: number;

  @Column({ type: 'integer' })
  width: number;

  @Column({ type: 'integer' })
  height: number;

  /** The uploaded file's name, sanitised, with the extension of its real type; for Content-Disposition. */
  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName: string;

  @Column({ name: 'file_key', type: 'varchar', length: 512 })
  fileKey: string;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'thumbnail_key', type: 'varchar', length: 512 })
  thumbnailKey: string;

  @Column({ name: 'thumbnail_size', type: 'integer' })
  thumbnailSize: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
