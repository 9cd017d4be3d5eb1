import { ApiProperty } from '@nestjs/swagger';
import type { ImageEntity } from '../entities/image.entity';
import { IMAGE_MIME_TYPES } from '../image-formats';

export class ImageResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  uploaderId: string;

  /** The type detected from the bytes (never the one the upload claimed). */
  @ApiProperty({ enum: IMAGE_MIME_TYPES, enumName: 'ImageMimeType' })
  mimeType: string;

  /** Bytes of the served file (re-encoded without metadata, so not always the uploaded size). */
  @ApiProperty({ type: 'integer' })
  size: number;

  /** Width in pixels, after EXIF orientation. */
  @ApiProperty({ type: 'integer' })
  width: number;

  /** Height in pixels, after EXIF orientation (one frame of an animation). */
  @ApiProperty({ type: 'integer' })
  height: number;

  /** The file, relative to the server; served to the uploader and to members of rooms where it is attached. */
  @ApiProperty({ example: '/api/v1/chat/images/0b9e3c52-2f4e-4f7a-9d61-5c0a3f1e8b7d/file' })
  url: string;

  /** A WebP thumbnail (longest side 320 px by default), relative to the server; same access as `url`. */
  @ApiProperty({ example: '/api/v1/chat/images/0b9e3c52-2f4e-4f7a-9d61-5c0a3f1e8b7d/thumbnail' })
  thumbnailUrl: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/** `chatPath`: where the chat routes are mounted (`ChatConfig.path`, `api/v1/chat` by default; '' at the root). */
export function toImageResponse(image: ImageEntity, chatPath: string): ImageResponse {
  const route = `${chatPath ? `/${chatPath}` : ''}/images/${image.id}`;
  return {
    id: image.id,
    uploaderId: image.uploaderId,
    mimeType: image.mimeType,
    size: image.size,
    width: image.width,
    height: image.height,
    url: `${route}/file`,
    thumbnailUrl: `${route}/thumbnail`,
    createdAt: image.createdAt.toISOString(),
  };
}

/** A page of images, as every list is paginated: `{ items, nextCursor }`. */
export class ImagePageResponse {
  @ApiProperty({ type: [ImageResponse] })
  items: ImageResponse[];

  /** Pass it as `?cursor=` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
