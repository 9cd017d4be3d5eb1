import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Page } from '../common/pagination';
import { ApiChatErrors } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { NoBody, chatValidationPipe } from '../common/validation';
import { CreateRoomDto } from './dto/create-room.dto';
import { ListRoomsQueryDto } from './dto/list-rooms.query';
import { ReplaceRoomDto } from './dto/replace-room.dto';
import { RoomNotificationsDto } from './dto/room-notifications.dto';
import { RoomPageResponse, RoomResponse } from './dto/room.response';
import { UpdateRoomDto } from './dto/update-room.dto';
import { RoomsService } from './rooms.service';
import { RequireUser } from '../access/require-user.decorator';

@ChatApi('rooms', 'rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRooms', summary: 'My rooms (newest activity first) or public rooms' })
  @ApiOkResponse({ type: RoomPageResponse })
  @ApiChatErrors(400)
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: ListRoomsQueryDto): Promise<Page<RoomResponse>> {
    return this.rooms.list(principal, query);
  }

  @Post()
  @RequireUser('room.create')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'createRoom', summary: 'Create a group room, or open the direct room with one user (200 when it exists)' })
  @ApiCreatedResponse({ type: RoomResponse, description: 'The new room' })
  @ApiOkResponse({ type: RoomResponse, description: 'The direct room with that user, which already existed' })
  @ApiChatErrors(400, { status: 404, description: 'A member id names no known user (USER_NOT_FOUND; only when the host can tell: resolveUsers)' })
  @RateLimit('rooms')
  async create(@CurrentUser() principal: ChatPrincipal, @Body() dto: CreateRoomDto, @Res({ passthrough: true }) response: Response): Promise<RoomResponse> {
    const { created, room } = await this.rooms.create(principal, dto);
    response.status(created ? 201 : 200);
    return room;
  }

  @Get(':roomId')
  @RequireRoom('room.view')
  @ApiOperation({ operationId: 'getRoom' })
  @ApiOkResponse({ type: RoomResponse })
  @ApiChatErrors(404)
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.get(principal, roomId);
  }

  @Patch(':roomId')
  @RequireRoom('room.edit')
  @ApiOperation({ operationId: 'updateRoom', summary: 'Change some of the room fields (owner and admins)' })
  @ApiOkResponse({ type: RoomResponse })
  @ApiChatErrors(400, 403, 404)
  update(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: UpdateRoomDto): Promise<RoomResponse> {
    return this.rooms.update(principal, roomId, dto, false);
  }

  @Put(':roomId')
  @RequireRoom('room.edit')
  @ApiOperation({ operationId: 'replaceRoom', summary: 'Replace the room fields (owner and admins)' })
  @ApiOkResponse({ type: RoomResponse })
  @ApiChatErrors(400, 403, 404)
  replace(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: ReplaceRoomDto): Promise<RoomResponse> {
    return this.rooms.update(principal, roomId, dto, true);
  }

  @Delete(':roomId')
  @HttpCode(204)
  @RequireRoom('room.delete')
  @ApiOperation({ operationId: 'deleteRoom', summary: 'Delete the room and everything in it (owner)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiChatErrors(403, 404)
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.remove(principal, roomId);
  }

  @Post(':roomId/join')
  @HttpCode(200)
  @RequireRoom('room.view')
  @ApiOperation({ operationId: 'joinRoom', summary: 'Join a public group room' })
  @ApiChatErrors(403, 404, { status: 409, description: 'Already a member' })
  @ApiOkResponse({ type: RoomResponse })
  @RateLimit('memberAdds')
  join(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.join(principal, roomId);
  }

  @Post(':roomId/leave')
  @HttpCode(204)
  @RequireRoom('room.leave')
  @ApiOperation({ operationId: 'leaveRoom', summary: 'Leave a group room (the owner hands ownership over first)' })
  @ApiNoContentResponse({ description: 'Left' })
  @ApiChatErrors(403, 404, { status: 409, description: 'The owner must hand ownership over first' })
  leave(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.leave(principal, roomId);
  }

  @Post(':roomId/mute')
  @HttpCode(200)
  @RequireRoom('room.notifications')
  @ApiOperation({ operationId: 'muteRoom', summary: 'Mute the room for the caller: notification level `none` (no push notifications)' })
  @ApiChatErrors({ status: 400, description: 'A body with any field: the route takes none' }, 404)
  @ApiOkResponse({ type: RoomResponse })
  mute(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @NoBody() _body: undefined): Promise<RoomResponse> {
    return this.rooms.setMuted(principal, roomId, true);
  }

  @Post(':roomId/unmute')
  @HttpCode(200)
  @RequireRoom('room.notifications')
  @ApiOperation({ operationId: 'unmuteRoom', summary: 'Unmute the room for the caller: notification level `all`, `mutedUntil` cleared' })
  @ApiChatErrors({ status: 400, description: 'A body with any field: the route takes none' }, 404)
  @ApiOkResponse({ type: RoomResponse })
  unmute(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @NoBody() _body: undefined): Promise<RoomResponse> {
    return this.rooms.setMuted(principal, roomId, false);
  }

  @Put(':roomId/notifications')
  @RequireRoom('room.notifications')
  @ApiOperation({ operationId: 'setRoomNotifications', summary: "The caller's notification level in the room, and an optional mute until a time" })
  @ApiOkResponse({ type: RoomResponse, description: 'The room, with the new settings in `me.notifications`' })
  @ApiChatErrors(400, 404)
  setNotifications(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: RoomNotificationsDto): Promise<RoomResponse> {
    return this.rooms.setNotifications(principal, roomId, dto);
  }
}
