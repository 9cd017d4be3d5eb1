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

@ChatApi('images', 'images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post()
  // The guard runs before the interceptors: nothing is read from an unauthenticated request's body.
  @UseInterceptors(UploadErrorsInterceptor, FileInterceptor('file'))
  @RequireUser('image.upload')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'uploadImage', summary: 'Upload a PNG, JPEG, WebP or GIF image (multipart field `file`)' })
  @ApiChatErrors(
    { status: 400, description: 'No `file` field, other fields, or a file that cannot be decoded' },
    { status: 413, description: 'Larger than the upload limit, or more pixels than the pixel limit' },
    { status: 415, description: 'Not a PNG, JPEG, WebP or GIF image' },
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
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'listImages', summary: 'My uploaded images, newest first' })
  @ApiChatErrors(400)
  @ApiOkResponse({ type: ImagePageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: PageQueryDto): Promise<Page<ImageResponse>> {
    return this.images.list(principal, query);
  }

  @Get(':imageId')
  @UseGuards(ImageAccessGuard)
  @ApiOperation({ operationId: 'getImage', summary: 'An image I uploaded or that is attached to a message in one of my rooms' })
  @ApiChatErrors({ status: 404, description: 'No such image, or not visible to the caller' })
  @ApiOkResponse({ type: ImageResponse })
  get(@IdParam('imageId', 'image') imageId: string): Promise<ImageResponse> {
    return this.images.get(imageId);
  }

  @Delete(':imageId')
  @UseGuards(ImageAccessGuard)
  @HttpCode(204)
  @RequireUser('image.upload')
  @ApiOperation({ operationId: 'deleteImage', summary: 'Delete an image (uploader): it disappears from the messages that showed it' })
  @ApiChatErrors({ status: 403, description: 'The caller can see the image but did not upload it, or is a guest (GUEST_NOT_ALLOWED)' }, { status: 404, description: 'No such image, or not visible to the caller' })
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('imageId', 'image') imageId: string): Promise<void> {
    return this.images.remove(principal, imageId);
  }

  @Get(':imageId/file')
  @UseGuards(ImageAccessGuard)
  @ApiOperation({ operationId: 'getImageFile', summary: 'The image file, without metadata' })
  @ApiChatErrors({ status: 404, description: 'No such image, or not visible to the caller' })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ description: 'The image file', content: imageContent(IMAGE_MIME_TYPES) })
  @ApiResponse({ status: 304, description: 'The copy named by If-None-Match is current' })
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
  @ApiOperation({ operationId: 'getImageThumbnail', summary: 'A WebP thumbnail of the image' })
  @ApiChatErrors({ status: 404, description: 'No such image, or not visible to the caller' })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ description: 'The WebP thumbnail', content: imageContent([THUMBNAIL_MIME_TYPE]) })
  @ApiResponse({ status: 304, description: 'The copy named by If-None-Match is current' })
  async thumbnail(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('imageId', 'image') imageId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    return sendImage(response, await this.images.download(imageId, 'thumbnail', ifNoneMatch));
  }
}
