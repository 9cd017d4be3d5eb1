import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
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

/**
 * Image uploads and serving, and images in messages (`ImageAttachmentsService`, for the messages feature). It
 * depends on no other feature module, so messages and rooms can import it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ImageEntity, MessageImageEntity]),
    AuthModule,
    AccessModule,
    // Multer keeps the upload in memory and stops reading once it passes the size limit (413), so an oversize
    // upload never costs more than the limit. One part only: the file; any other field or file is a 400.
    MulterModule.registerAsync({
      inject: [ChatConfig],
      useFactory: (config: ChatConfig) => ({
        limits: { fileSize: config.images.maxUploadBytes, files: 1, fields: 0, parts: 1 },
        // Browsers send file names as raw UTF-8; multer's default (latin1) would garble every non-ASCII name.
        defParamCharset: 'utf8',
      }),
    }),
  ],
  controllers: [ImagesController],
  providers: [ImagesService, ImageAccessGuard, ImageAttachmentsService, ImageProcessor, storageDriverProvider],
  exports: [ImageAttachmentsService],
})
export class ImagesModule {}
