import { Body, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { TextParam } from '../common/chat-text';
import { AdminApi } from './admin-api.decorator';
import { BanUserDto } from './dto/ban-user.dto';
import { UserBanResponse } from './dto/user-ban.response';
import { UserExportResponse } from './dto/user-export.response';
import { UserBansService } from './user-bans.service';
import { UserErasureService } from './user-erasure.service';
import { UserExportService } from './user-export.service';

@AdminApi('users')
export class AdminUsersController {
  constructor(
    private readonly bans: UserBansService,
    private readonly exports: UserExportService,
    private readonly erasure: UserErasureService,
  ) {}

  @Put(':userId/ban')
  @ApiOperation({ operationId: 'banUserServerWide', summary: 'Ban a user from the whole server: every request 403 USER_BANNED, sockets cut (administrators)' })
  @ApiOkResponse({ type: UserBanResponse })
  @ApiChatErrors(400, { status: 409, description: 'An administrator cannot ban themself' })
  ban(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string, @Body() dto: BanUserDto): Promise<UserBanResponse> {
    return this.bans.ban(principal, userId, dto);
  }

  @Delete(':userId/ban')
  @HttpCode(204)
  @ApiOperation({ operationId: 'unbanUserServerWide', summary: "Lift a user's server-wide ban (administrators)" })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiChatErrors(400)
  unban(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.bans.unban(principal, userId);
  }

  @Get(':userId/export')
  @ApiOperation({ operationId: 'exportUser', summary: 'Everything the chat stores about a user, as JSON (administrators)' })
  @ApiOkResponse({ type: UserExportResponse })
  @ApiChatErrors(400)
  export(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<UserExportResponse> {
    return this.exports.export(principal, userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'eraseUser', summary: "Erase a user: messages become tombstones without content, uploads, devices and memberships go (administrators)" })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiChatErrors(400)
  erase(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.erasure.erase(principal, userId);
  }
}
