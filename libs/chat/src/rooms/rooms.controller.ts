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
  @ApiOperation({
    operationId: 'listRooms',
    summary: 'My rooms (newest activity first) or public rooms',
    description: 'The caller\'s rooms (`scope=mine`, newest activity first) or the public group rooms anybody may join (`scope=public`), a page at a time: pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiChatErrors({ code: 'INVALID_INPUT', message: ['scope must be one of the following values: mine, public'] })
  @ApiOkResponse({ type: RoomPageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: ListRoomsQueryDto): Promise<Page<RoomResponse>> {
    return this.rooms.list(principal, query);
  }

  @Post()
  @RequireUser('room.create')
  @ApiOperation({
    operationId: 'createRoom',
    summary: 'Create a group room, or open the direct room with one user (200 when it exists)',
    description: 'A group room gets the caller as its owner and `memberIds` as members. A direct room names exactly one other user and is created once per pair: asking again answers 200 with the existing room.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['title must be shorter than or equal to 200 characters'] },
    { code: 'INVALID_INPUT', message: 'A direct room has no picture of its own' },
    'GUEST_NOT_ALLOWED',
    { code: 'BLOCKED', message: 'This user has blocked you' },
    { code: 'BANNED', message: 'Banned from this room: user-17' },
    { code: 'USER_NOT_FOUND', message: 'No user has the id user-42' },
  )
  @ApiCreatedResponse({ type: RoomResponse, description: 'The new room' })
  @ApiOkResponse({ type: RoomResponse, description: 'The direct room with that user, which already existed' })
  @RateLimit('rooms')
  async create(@CurrentUser() principal: ChatPrincipal, @Body() dto: CreateRoomDto, @Res({ passthrough: true }) response: Response): Promise<RoomResponse> {
    const { created, room } = await this.rooms.create(principal, dto);
    response.status(created ? 201 : 200);
    return room;
  }

  @Get(':roomId')
  @RequireRoom('room.view')
  @ApiOperation({
    operationId: 'getRoom',
    summary: 'A room the caller can see',
    description: 'A room the caller is a member of, or a public group room. Anything else is 404, whether it exists or not.',
  })
  @ApiChatErrors('ROOM_NOT_FOUND')
  @ApiOkResponse({ type: RoomResponse })
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.get(principal, roomId);
  }

  @Patch(':roomId')
  @RequireRoom('room.edit')
  @ApiOperation({
    operationId: 'updateRoom',
    summary: 'Change some of the room fields (owner and admins)',
    description: 'Only the fields sent change. `slowModeSeconds` and `frozen` are moderation settings; `allowGuests` needs a public room.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['slowModeSeconds must not be greater than 3600'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can edit this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse })
  update(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: UpdateRoomDto): Promise<RoomResponse> {
    return this.rooms.update(principal, roomId, dto, false);
  }

  @Put(':roomId')
  @RequireRoom('room.edit')
  @ApiOperation({
    operationId: 'replaceRoom',
    summary: 'Replace the room fields (owner and admins)',
    description: 'Every editable field is set: a field left out takes its default (no description, not public, no guests, no picture).',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['title should not be empty'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can edit this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse })
  replace(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: ReplaceRoomDto): Promise<RoomResponse> {
    return this.rooms.update(principal, roomId, dto, true);
  }

  @Delete(':roomId')
  @HttpCode(204)
  @RequireRoom('room.delete')
  @ApiOperation({
    operationId: 'deleteRoom',
    summary: 'Delete the room and everything in it (owner)',
    description: 'Deletes the room with its messages and members; members receive `room.deleted`. Direct rooms cannot be deleted.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner can delete this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.remove(principal, roomId);
  }

  @Post(':roomId/join')
  @HttpCode(200)
  @RequireRoom('room.view')
  @ApiOperation({
    operationId: 'joinRoom',
    summary: 'Join a public group room',
    description: 'Anybody authenticated may join a public group room (a guest only when the room allows guests).',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only public group rooms can be joined' },
    { code: 'BANNED', message: 'Banned from this room' },
    'ROOM_NOT_FOUND',
    { code: 'ALREADY_MEMBER', message: 'You are already a member of this room' },
  )
  @ApiOkResponse({ type: RoomResponse })
  @RateLimit('memberAdds')
  join(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<RoomResponse> {
    return this.rooms.join(principal, roomId);
  }

  @Post(':roomId/leave')
  @HttpCode(204)
  @RequireRoom('room.leave')
  @ApiOperation({
    operationId: 'leaveRoom',
    summary: 'Leave a group room (the owner hands ownership over first)',
    description: 'The caller stops being a member. Direct rooms cannot be left; the owner hands ownership over (PATCH a member\'s role to owner) or deletes the room.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Nobody can leave a direct room' },
    'ROOM_NOT_FOUND',
    { code: 'CONFLICT', message: 'The owner must hand ownership to another member (PATCH their role to owner) or delete the room before leaving' },
  )
  @ApiNoContentResponse({ description: 'Left' })
  leave(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string): Promise<void> {
    return this.rooms.leave(principal, roomId);
  }

  @Post(':roomId/mute')
  @HttpCode(200)
  @RequireRoom('room.notifications')
  @ApiOperation({
    operationId: 'muteRoom',
    summary: 'Mute the room for the caller: notification level `none` (no push notifications)',
    description: 'Sets the caller\'s notification level in the room to `none`: no push notifications for it. Takes no body.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['property reason should not exist'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse })
  mute(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @NoBody() _body: undefined): Promise<RoomResponse> {
    return this.rooms.setMuted(principal, roomId, true);
  }

  @Post(':roomId/unmute')
  @HttpCode(200)
  @RequireRoom('room.notifications')
  @ApiOperation({
    operationId: 'unmuteRoom',
    summary: 'Unmute the room for the caller: notification level `all`, `mutedUntil` cleared',
    description: 'Sets the caller\'s notification level to `all` and clears `mutedUntil`. Takes no body.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['property reason should not exist'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse })
  unmute(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @NoBody() _body: undefined): Promise<RoomResponse> {
    return this.rooms.setMuted(principal, roomId, false);
  }

  @Put(':roomId/notifications')
  @RequireRoom('room.notifications')
  @ApiOperation({
    operationId: 'setRoomNotifications',
    summary: "The caller's notification level in the room, and an optional mute until a time",
    description: '`all`: every message; `mentions`: only messages that mention the caller; `none`: nothing. `mutedUntil` silences everything until that time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['level must be one of the following values: all, mentions, none'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: RoomResponse, description: 'The room, with the new settings in `me.notifications`' })
  setNotifications(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: RoomNotificationsDto): Promise<RoomResponse> {
    return this.rooms.setNotifications(principal, roomId, dto);
  }
}
