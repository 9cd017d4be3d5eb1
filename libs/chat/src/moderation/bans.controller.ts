import { Body, Delete, Get, HttpCode, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequireRoom } from '../access/require-room.decorator';
import { ChatApi } from '../auth/chat-api.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { IdParam } from '../common/canonical-id';
import { TextParam } from '../common/chat-text';
import { PageQueryDto, type Page } from '../common/pagination';
import { BanPageResponse, BanResponse } from './dto/ban.response';
import { PutBanDto } from './dto/put-ban.dto';
import { BansService } from './bans.service';

@ChatApi('rooms/:roomId/bans', 'moderation')
export class BansController {
  constructor(private readonly bans: BansService) {}

  @Get()
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'listBans',
    summary: "The room's active bans (owner and admins)",
    description: 'Bans in force in the room, newest first, a page at a time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can moderate this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: BanPageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<BanResponse>> {
    return this.bans.list(principal, roomId, query);
  }

  @Put(':userId')
  @HttpCode(200)
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'banUser',
    summary: 'Ban a user from the room, removing them if they are a member; again: new reason and end (owner and admins)',
    description: 'The user is removed from the room (if a member) and cannot join or be added until `until` passes or the ban is lifted. Admins cannot ban the owner or other admins.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'until must be in the future' },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can moderate this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: BanResponse })
  put(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @TextParam('userId', 255) userId: string,
    @Body() dto: PutBanDto,
  ): Promise<BanResponse> {
    return this.bans.put(principal, roomId, userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'unbanUser',
    summary: 'Lift a ban (owner and admins)',
    description: 'The user may join again (they are not added back).',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner and admins can moderate this room' },
    'ROOM_NOT_FOUND',
    { code: 'BAN_NOT_FOUND', message: 'That user is not banned from this room' },
  )
  @ApiNoContentResponse({ description: 'Lifted' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.bans.remove(principal, roomId, userId);
  }
}
