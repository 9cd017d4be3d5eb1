import { Module } from '@nestjs/common';
import { MulterModule, type MulterModuleOptions } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { ChatConfig } from '../common/chat-config';
import { ImageEntity } from './entities/image.entity';
import { MessageImageEntity } from './entities/message-image.entity';
import { AccessModule } from '../access/access.module';
import { ImageAccessGuard } from './image-access.guard';
import { ImageAttachmentsService } from './image-attachments.service';
import { ImageProcessor } from './image-processor';
import { ImagesController } from './images.controller';
import { ImagesService } from './images.service';
import { storageDriverProvider } from './storage/storage.providers';
import { countingStreamHandler, maxUploadBodyBytes } from './upload-size';

/**
 * Image uploads and serving, and images in messages (`ImageAttachmentsService`, for the messages feature). It
 * depends on no other feature module, so messages and rooms can import it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ImageEntity, MessageImageEntity]),
    AuthModule,
    AccessModule,
    // Multer keeps the upload in memory and stops keeping it once it passes the size limit (413), so an oversize
    // upload never costs more memory than the limit. One part only: the file; any other field or file is a 400.
    // Multer would still read an oversize body to its end before answering: the counting stream handler stops
    // reading it once it passes the limit, and UploadErrorsInterceptor answers 413 then (see upload-size.ts).
    MulterModule.registerAsync({
      inject: [ChatConfig],
      useFactory: (config: ChatConfig): MulterModuleOptions => {
        const options = {
          limits: { fileSize: config.images.maxUploadBytes, files: 1, fields: 0, parts: 1 },
          // Browsers send file names as raw UTF-8; multer's default (latin1) would garble every non-ASCII name.
          defParamCharset: 'utf8',
          // multer 2's option; Nest's MulterModuleOptions type does not list it.
          streamHandler: countingStreamHandler(maxUploadBodyBytes(config.images.maxUploadBytes)),
        };
        return options;
      },
    }),
  ],
  controllers: [ImagesController],
  providers: [ImagesService, ImageAccessGuard, ImageAttachmentsService, ImageProcessor, storageDriverProvider],
  // ImagesService: a user's erasure (server administration) deletes their uploads.
  exports: [ImageAttachmentsService, ImagesService],
})
export class ImagesModule {}
