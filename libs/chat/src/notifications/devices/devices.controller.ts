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
  @ApiOperation({
    operationId: 'registerDevice',
    summary: 'Register a push target: an FCM token or a Web Push subscription (200 when it was registered already)',
    description: 'An FCM registration token, or a Web Push subscription whose endpoint is an https URL of an allowed push service. Registering the same token or endpoint again answers 200 with that device.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'token is required for platform fcm' },
    { code: 'PUSH_ENDPOINT_NOT_ALLOWED', message: 'subscription.endpoint must be an https URL of an allowed push service' },
    'GUEST_NOT_ALLOWED',
  )
  @ApiCreatedResponse({ type: DeviceResponse, description: 'The new device' })
  @ApiOkResponse({ type: DeviceResponse, description: 'The device this token or endpoint was registered as (now the caller’s)' })
  async register(@CurrentUser() principal: ChatPrincipal, @Body() dto: RegisterDeviceDto, @Res({ passthrough: true }) response: Response): Promise<DeviceResponse> {
    const { created, device } = await this.devices.register(principal, dto);
    response.status(created ? 201 : 200);
    return device;
  }

  @Get()
  @RequireUser('device.manage')
  @ApiOperation({
    operationId: 'listDevices',
    summary: 'The caller’s devices',
    description: 'The devices the caller registered.',
  })
  @ApiChatErrors('GUEST_NOT_ALLOWED')
  @ApiOkResponse({ type: DeviceListResponse })
  list(@CurrentUser() principal: ChatPrincipal): Promise<DeviceListResponse> {
    return this.devices.list(principal);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @RequireUser('device.manage')
  @ApiOperation({
    operationId: 'deleteDevice',
    summary: 'Stop pushing to one of the caller’s devices',
    description: 'The device gets no more pushes; another user\'s device is 404.',
  })
  @ApiChatErrors(
    'GUEST_NOT_ALLOWED',
    'DEVICE_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('deviceId', 'device') deviceId: string): Promise<void> {
    return this.devices.remove(principal, deviceId);
  }
}

@ChatApi('notifications', 'notifications')
export class NotificationConfigController {
  constructor(private readonly devices: DevicesService) {}

  @Get('config')
  @ApiOperation({
    operationId: 'getNotificationConfig',
    summary: 'What the server can push: Web Push (with its VAPID public key) and FCM',
    description: 'Whether the server can send Web Push (and its VAPID public key, for `PushManager.subscribe`) and FCM.',
  })
  @ApiOkResponse({ type: NotificationConfigResponse })
  config(): NotificationConfigResponse {
    return this.devices.notificationConfig();
  }
}
