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
  @ApiOperation({ operationId: 'listBans', summary: "The room's active bans (owner and admins)" })
  @ApiOkResponse({ type: BanPageResponse })
  @ApiChatErrors(400, 403, 404)
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<BanResponse>> {
    return this.bans.list(principal, roomId, query);
  }

  @Put(':userId')
  @HttpCode(200)
  @RequireRoom('room.moderate')
  @ApiOperation({ operationId: 'banUser', summary: 'Ban a user from the room, removing them if they are a member; again: new reason and end (owner and admins)' })
  @ApiOkResponse({ type: BanResponse })
  @ApiChatErrors(400, { status: 403, description: 'Not the owner or an admin, a direct room, yourself, or (for admins) the owner or another admin' }, 404)
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
  @ApiOperation({ operationId: 'unbanUser', summary: 'Lift a ban (owner and admins)' })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiChatErrors(403, { status: 404, description: 'No such room for the caller, or the user is not banned (`BAN_NOT_FOUND`)' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.bans.remove(principal, roomId, userId);
  }
}
