import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res, StreamableFile, UploadedFile, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { PageQueryDto, type Page } from '../common/pagination';
import { ApiChatErrors } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { chatValidationPipe } from '../common/validation';
import { ImagePageResponse, ImageResponse } from './dto/image.response';
import { sendImage } from './image-download';
import { IMAGE_MIME_TYPES, THUMBNAIL_MIME_TYPE } from './image-formats';
import { ImageAccessGuard } from './image-access.guard';
import { ImagesService } from './images.service';
import { UploadErrorsInterceptor } from './upload-errors.interceptor';
import type { UploadedImageFile } from './uploaded-image-file';
import { RequireUser } from '../access/require-user.decorator';

const BINARY = { schema: { type: 'string', format: 'binary' } } as const;
/** The bytes in their own type; error responses stay JSON (so no `@ApiProduces`, which would apply to them too). */
const imageContent = (types: readonly string[]) => Object.fromEntries(types.map((type) => [type, BINARY]));
const IF_NONE_MATCH = { name: 'If-None-Match', required: false, description: 'The ETag of a copy the client has: 304 when it is current' };
/** The headers `sendImage` sets on every image answer (see image-download.ts for why each one). */
const ETAG = { description: 'Strong validator of the bytes (they never change for an image id): send it back in If-None-Match', schema: { type: 'string', example: '"6b1f0c3e9a"' } } as const;
const CACHE_CONTROL = { description: 'Only the viewer may cache the file, and asks again each time (access can end)', schema: { type: 'string', example: 'private, no-cache' } } as const;
const DOWNLOAD_HEADERS = {
  ETag: ETAG,
  'Cache-Control': CACHE_CONTROL,
  'Content-Disposition': { description: 'Inline, with the file name the image was uploaded with', schema: { type: 'string', example: 'inline; filename="photo.png"' } },
  'Content-Length': { description: 'Size of the file in bytes', schema: { type: 'integer', minimum: 0, maximum: 2_147_483_647 } },
} as const;
const NOT_MODIFIED = { status: 304, description: 'The copy named by If-None-Match is current', headers: { ETag: ETAG, 'Cache-Control': CACHE_CONTROL } } as const;

@ChatApi('images', 'images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post()
  // The guard runs before the interceptors: nothing is read from an unauthenticated request's body.
  @UseInterceptors(UploadErrorsInterceptor, FileInterceptor('file'))
  @RequireUser('image.upload')
  @ApiOperation({
    operationId: 'uploadImage',
    summary: 'Upload a PNG, JPEG, WebP or GIF image (multipart field `file`)',
    description: 'The type is read from the bytes (PNG, JPEG, WebP or GIF); a WebP thumbnail is made. Attach the image to a message with `imageIds`, or use it as a room picture.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'Send the image in the multipart/form-data field `file`' },
    { code: 'INVALID_INPUT', message: 'The image could not be decoded: the file is damaged or truncated' },
    'GUEST_NOT_ALLOWED',
    { code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than the upload limit of 10485760 bytes' },
    { code: 'PAYLOAD_TOO_LARGE', message: 'The image has more than 40000000 pixels' },
    { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Only PNG, JPEG, WebP and GIF images are accepted (the type is read from the bytes)' },
  )
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'The image; its type is read from the bytes' } },
    },
  })
  @ApiCreatedResponse({ type: ImageResponse })
  @RateLimit('uploads')
  upload(@CurrentUser() principal: ChatPrincipal, @UploadedFile() file: UploadedImageFile | undefined): Promise<ImageResponse> {
    return this.images.upload(principal, file);
  }

  @Get()
  @RequireUser('image.upload')
  @ApiOperation({
    operationId: 'listImages',
    summary: 'My uploaded images, newest first',
    description: 'Images the caller uploaded, newest first, a page at a time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    'GUEST_NOT_ALLOWED',
  )
  @ApiOkResponse({ type: ImagePageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: PageQueryDto): Promise<Page<ImageResponse>> {
    return this.images.list(principal, query);
  }

  @Get(':imageId')
  @UseGuards(ImageAccessGuard)
  @ApiOperation({
    operationId: 'getImage',
    summary: 'An image I uploaded or that is attached to a message in one of my rooms',
    description: 'The metadata of an image with its `url` and `thumbnailUrl`.',
  })
  @ApiChatErrors('IMAGE_NOT_FOUND')
  @ApiOkResponse({ type: ImageResponse })
  get(@IdParam('imageId', 'image') imageId: string): Promise<ImageResponse> {
    return this.images.get(imageId);
  }

  @Delete(':imageId')
  @UseGuards(ImageAccessGuard)
  @HttpCode(204)
  @RequireUser('image.upload')
  @ApiOperation({
    operationId: 'deleteImage',
    summary: 'Delete an image (uploader): it disappears from the messages that showed it',
    description: 'Only its uploader deletes an image; messages that showed it show it no more.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the uploader can delete an image' },
    'GUEST_NOT_ALLOWED',
    'IMAGE_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('imageId', 'image') imageId: string): Promise<void> {
    return this.images.remove(principal, imageId);
  }

  @Get(':imageId/file')
  @UseGuards(ImageAccessGuard)
  @ApiOperation({
    operationId: 'getImageFile',
    summary: 'The image file, without metadata',
    description: 'The bytes, with `ETag` (send it back in `If-None-Match` for a 304), `Cache-Control` (private: the file is not public) and `Content-Disposition` (inline, with a file name).',
  })
  @ApiChatErrors('IMAGE_NOT_FOUND')
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ description: 'The image file', content: imageContent(IMAGE_MIME_TYPES), headers: DOWNLOAD_HEADERS })
  @ApiResponse(NOT_MODIFIED)
  async file(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('imageId', 'image') imageId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    return sendImage(response, await this.images.download(imageId, 'file', ifNoneMatch));
  }

  @Get(':imageId/thumbnail')
  @UseGuards(ImageAccessGuard)
  @ApiOperation({
    operationId: 'getImageThumbnail',
    summary: 'A WebP thumbnail of the image',
    description: 'A WebP thumbnail, with the same caching headers as the file.',
  })
  @ApiChatErrors('IMAGE_NOT_FOUND')
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ description: 'The WebP thumbnail', content: imageContent([THUMBNAIL_MIME_TYPE]), headers: DOWNLOAD_HEADERS })
  @ApiResponse(NOT_MODIFIED)
  async thumbnail(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('imageId', 'image') imageId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    return sendImage(response, await this.images.download(imageId, 'thumbnail', ifNoneMatch));
  }
}
