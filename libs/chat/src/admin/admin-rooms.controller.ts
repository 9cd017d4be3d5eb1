import { Delete, Get, HttpCode, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { IdParam } from '../common/canonical-id';
import { ApiChatErrors } from '../common/api-error-responses';
import type { Page } from '../common/pagination';
import { RoomPageResponse, RoomResponse } from '../rooms/dto/room.response';
import { AdminApi } from './admin-api.decorator';
import { AdminRoomsService } from './admin-rooms.service';
import { ListAdminRoomsQueryDto } from './dto/list-admin-rooms.query';

@AdminApi('rooms')
export class AdminRoomsController {
  constructor(private readonly rooms: AdminRoomsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAdminRooms',
    summary: 'Every room of the server, any visibility (administrators)',
    description: 'Every room, whatever its visibility; `q` matches titles.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'NOT_FOUND', message: 'Cannot GET /api/v1/chat/admin/rooms' },
  )
  @ApiOkResponse({ type: RoomPageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: ListAdminRoomsQueryDto): Promise<Page<RoomResponse>> {
    return this.rooms.list(principal, query);
  }

  @Get(':roomId')
  @ApiOperation({
    operationId: 'getAdminRoom',
    summary: 'Any room (administrators)',
    description: 'Any room, with `me` null when the administrator is not a member.',
  })
  @ApiChatErrors(
    { code: 'NOT_FOUND', message: 'Cannot GET /api/v1/chat/admin/rooms/6f1c2a52-8f4e-4d0a-9c43-2b0d8f1e7a11' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse })
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.get(principal, roomId);
  }

  @Delete(':roomId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteAdminRoom',
    summary: 'Delete any room, direct rooms included (administrators)',
    description: 'Deletes a room of any type with its messages and members.',
  })
  @ApiChatErrors(
    { code: 'NOT_FOUND', message: 'Cannot DELETE /api/v1/chat/admin/rooms/6f1c2a52-8f4e-4d0a-9c43-2b0d8f1e7a11' },
    'ROOM_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.remove(principal, roomId);
  }
}
