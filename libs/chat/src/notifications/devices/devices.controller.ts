import { Body, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChatApi } from '../../auth/chat-api.decorator';
import type { ChatPrincipal } from '../../auth/chat-principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiChatErrors } from '../../common/api-error-responses';
import { IdParam } from '../../common/canonical-id';
import { DeviceListResponse, DeviceResponse } from './dto/device.response';
import { NotificationConfigResponse } from './dto/notification-config.response';
import { RegisterDeviceDto } from './dto/register-device.dto';
import { DevicesService } from './devices.service';
import { RequireUser } from '../../access/require-user.decorator';

@ChatApi('devices', 'notifications')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @RequireUser('device.manage')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'registerDevice', summary: 'Register a push target: an FCM token or a Web Push subscription (200 when it was registered already)' })
  @ApiCreatedResponse({ type: DeviceResponse, description: 'The new device' })
  @ApiOkResponse({ type: DeviceResponse, description: 'The device this token or endpoint was registered as (now the caller’s)' })
  @ApiChatErrors({ status: 400, description: 'Invalid body, or a Web Push endpoint that is not an https URL of an allowed push service (`PUSH_ENDPOINT_NOT_ALLOWED`)' })
  async register(@CurrentUser() principal: ChatPrincipal, @Body() dto: RegisterDeviceDto, @Res({ passthrough: true }) response: Response): Promise<DeviceResponse> {
    const { created, device } = await this.devices.register(principal, dto);
    response.status(created ? 201 : 200);
    return device;
  }

  @Get()
  @RequireUser('device.manage')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'listDevices', summary: 'The caller’s devices' })
  @ApiOkResponse({ type: DeviceListResponse })
  list(@CurrentUser() principal: ChatPrincipal): Promise<DeviceListResponse> {
    return this.devices.list(principal);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @RequireUser('device.manage')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'deleteDevice', summary: 'Stop pushing to one of the caller’s devices' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiChatErrors(404)
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('deviceId', 'device') deviceId: string): Promise<void> {
    return this.devices.remove(principal, deviceId);
  }
}

@ChatApi('notifications', 'notifications')
export class NotificationConfigController {
  constructor(private readonly devices: DevicesService) {}

  @Get('config')
  @ApiOperation({ operationId: 'getNotificationConfig', summary: 'What the server can push: Web Push (with its VAPID public key) and FCM' })
  @ApiOkResponse({ type: NotificationConfigResponse })
  config(): NotificationConfigResponse {
    return this.devices.notificationConfig();
  }
}
