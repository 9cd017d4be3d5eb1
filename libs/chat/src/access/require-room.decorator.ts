import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { REQUIRED_ROOM_PERMISSION, RoomAccessGuard } from './room-access.guard';
import type { RoomPermission } from './room-permission';

/**
 * What a route under `rooms/:roomId` needs: `@RequireRoom('room.read')` lets members through, and so on (see
 * RoomPermission). The guard asks the access layer.
 */
export const RequireRoom = (permission: RoomPermission): MethodDecorator =>
  applyDecorators(SetMetadata(REQUIRED_ROOM_PERMISSION, permission), UseGuards(RoomAccessGuard));
