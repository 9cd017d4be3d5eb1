import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { newestFirstPage, type Page, type PageQueryDto } from '../common/pagination';
import { toImageResponse, type ImageResponse } from './dto/image.response';
import { ImageEntity } from './entities/image.entity';
import { imageNotFound } from './image-errors';
import { ImageAttachmentsService } from './image-attachments.service';
import { etagMatches, type ImageDownload } from './image-download';
import { servedFileName } from './image-file-name';
import { THUMBNAIL_MIME_TYPE } from './image-formats';
import { ImageProcessor } from './image-processor';
import { CHAT_STORAGE_DRIVER, type ChatStorageDriver } from './storage/chat-storage-driver';
import type { UploadedImageFile } from './uploaded-image-file';

/** Sort key of image lists: creation time at microsecond precision, then id. */

export type ImageVariant = 'file' | 'thumbnail';

@Injectable()
export class ImagesService {
  private readonly logger = new Logger('ChatImages');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly attachments: ImageAttachmentsService,
    private readonly processor: ImageProcessor,
    @Inject(CHAT_STORAGE_DRIVER) private readonly storage: ChatStorageDriver,
    private readonly config: ChatConfig,
  ) {}

  /**
   * Anybody authenticated may upload. The bytes are stored before the row is written, so a listed image always
   * has its bytes; if the row cannot be written the bytes are removed again.
   */
  async upload(principal: ChatPrincipal, file: UploadedImageFile | undefined): Promise<ImageResponse> {
    if (!file) throw new ChatError('INVALID_INPUT', 'Send the image in the multipart/form-data field `file`');
    const processed = await this.processor.process(file.buffer);
    const id = randomUUID();
    const prefix = `images/${id.slice(0, 2)}/${id}`;
    const fileKey = `${prefix}.${processed.format.extension}`;
    const thumbnailKey = `${prefix}-thumbnail.webp`;
    const images = this.dataSource.getRepository(ImageEntity);
    try {
      await this.storage.put(fileKey, processed.data, { contentType: processed.format.mimeType });
      await this.storage.put(thumbnailKey, processed.thumbnail, { contentType: THUMBNAIL_MIME_TYPE });
      await images.insert(
        images.create({
          id,
          uploaderId: principal.userId,
          mimeType: processed.format.mimeType,
          size: processed.data.length,
          width: processed.width,
          height: processed.height,
          fileName: servedFileName(file.originalname, processed.format.extension),
          fileKey,
          sha256: processed.sha256,
          thumbnailKey,
          thumbnailSize: processed.thumbnail.length,
        }),
      );
    } catch (error) {
      await this.removeBytes([fileKey, thumbnailKey]);
      throw error;
    }
    return toImageResponse(await images.findOneByOrFail({ id }), this.config.path);
  }

  /** The caller's own uploads, newest first. */
  async list(principal: ChatPrincipal, query: PageQueryDto): Promise<Page<ImageResponse>> {
    const limit = this.config.pageSize(query.limit);
    const images = this.dataSource.getRepository(ImageEntity).createQueryBuilder('i').where('i.uploader_id = :userId', { userId: principal.userId });
    const page = await newestFirstPage(images, { at: 'i.created_at', tie: { column: 'i.id', type: 'uuid', of: (image) => image.id }, limit, cursor: query.cursor });
    return { items: page.items.map((image) => toImageResponse(image, this.config.path)), nextCursor: page.nextCursor };
  }

  /** An image the caller may see (ImageAccessGuard has asked the access layer). */
  async get(imageId: string): Promise<ImageResponse> {
    return toImageResponse(await this.find(imageId), this.config.path);
  }

  /**
   * The uploader deletes an image: it disappears from every message that showed it (their rooms record the
   * change), and its bytes are removed once the row is gone. Those who can see it but did not upload it get 403
   * (ImageAccessGuard has let only those who see it through).
   */
  async remove(principal: ChatPrincipal, imageId: string): Promise<void> {
    const image = await this.dataSource.transaction(async (manager) => {
      // Locked first, so no message can attach it between the count of its messages and its deletion.
      const image = await manager.getRepository(ImageEntity).createQueryBuilder('i').where('i.id = :id', { id: imageId }).setLock('pessimistic_write').getOne();
      if (!image) throw imageNotFound();
      if (image.uploaderId !== principal.userId) throw new ChatError('FORBIDDEN', 'Only the uploader can delete an image');
      await this.attachments.recordRemovalFromMessages(manager, image.id);
      await manager.getRepository(ImageEntity).delete(image.id);
      return image;
    });
    await this.removeBytes([image.fileKey, image.thumbnailKey]);
  }

  /**
   * Deletes every image a user uploaded, with their bytes (a user's erasure): as if the uploader deleted each one.
   * Returns how many there were.
   */
  async removeAllOf(userId: string): Promise<number> {
    const images = await this.dataSource.transaction(async (manager) => {
      const images = await manager.getRepository(ImageEntity).createQueryBuilder('i').where('i.uploader_id = :userId', { userId }).orderBy('i.id').setLock('pessimistic_write').getMany();
      for (const image of images) await this.attachments.recordRemovalFromMessages(manager, image.id);
      if (images.length > 0) await manager.getRepository(ImageEntity).delete(images.map((image) => image.id));
      return images;
    });
    for (const image of images) await this.removeBytes([image.fileKey, image.thumbnailKey]);
    return images.length;
  }

  /**
   * One of the image's files for a viewer: its bytes, or none when `ifNoneMatch` names the current version.
   * The access check comes first, so an outsider gets 404, never a 304 that would confirm the image exists.
   */
  async download(imageId: string, variant: ImageVariant, ifNoneMatch?: string): Promise<ImageDownload> {
    const image = await this.find(imageId);
    const file =
      variant === 'file'
        ? { key: image.fileKey, contentType: image.mimeType, size: image.size, etag: `"${image.sha256}"`, fileName: image.fileName }
        : {
            key: image.thumbnailKey,
            contentType: THUMBNAIL_MIME_TYPE,
            size: image.thumbnailSize,
            etag: `"${image.sha256}-thumbnail"`,
            fileName: image.fileName.replace(/\.[^.]+$/, '-thumbnail.webp'),
          };
    const { key, ...served } = file;
    if (etagMatches(ifNoneMatch, served.etag)) return { ...served, stream: null };
    const stream = await this.storage.get(key);
    if (!stream) {
      this.logger.error(`The ${variant} of image ${image.id} is missing from storage (key ${key})`);
      throw imageNotFound();
    }
    return { ...served, stream };
  }

  private async find(imageId: string): Promise<ImageEntity> {
    const image = await this.dataSource.getRepository(ImageEntity).findOneBy({ id: imageId });
    if (!image) throw imageNotFound();
    return image;
  }

  /** Best effort: once the row is gone nobody can reach the bytes, so a failure here is logged, not raised. */
  private async removeBytes(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.storage.delete(key).catch((error: unknown) => {
        this.logger.warn(`Could not remove ${key} from image storage: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }
}
