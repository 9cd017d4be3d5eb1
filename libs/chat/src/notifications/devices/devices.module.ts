import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../../auth/auth.module';
import { DevicesController, NotificationConfigController } from './devices.controller';
import { DevicesService } from './devices.service';
import { DeviceEntity } from './entities/device.entity';

/** The caller's push targets (`/devices`) and what the server can push (`/notifications/config`). */
@Module({
  imports: [TypeOrmModule.forFeature([DeviceEntity]), AuthModule],
  controllers: [DevicesController, NotificationConfigController],
  providers: [DevicesService],
  exports: [DevicesService],
})
export class DevicesModule {}
