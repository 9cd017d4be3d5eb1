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
  @ApiOperation({ operationId: 'listAdminRooms', summary: 'Every room of the server, any visibility (administrators)' })
  @ApiOkResponse({ type: RoomPageResponse })
  @ApiChatErrors(400)
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: ListAdminRoomsQueryDto): Promise<Page<RoomResponse>> {
    return this.rooms.list(principal, query);
  }

  @Get(':roomId')
  @ApiOperation({ operationId: 'getAdminRoom', summary: 'Any room (administrators)' })
  @ApiOkResponse({ type: RoomResponse })
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.get(principal, roomId);
  }

  @Delete(':roomId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteAdminRoom', summary: 'Delete any room, direct rooms included (administrators)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.remove(principal, roomId);
  }
}
