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
  @ApiOperation({
    operationId: 'banUserServerWide',
    summary: 'Ban a user from the whole server: every request 403 USER_BANNED, sockets cut (administrators)',
    description: 'Every request of the user is refused with 403 `USER_BANNED` until `until` (or for good), and their sockets are disconnected on every node.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'until must be in the future' },
    { code: 'NOT_FOUND', message: 'Cannot PUT /api/v1/chat/admin/users/user-42/ban' },
    { code: 'CONFLICT', message: 'An administrator cannot ban themself' },
  )
  @ApiOkResponse({ type: UserBanResponse })
  ban(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string, @Body() dto: BanUserDto): Promise<UserBanResponse> {
    return this.bans.ban(principal, userId, dto);
  }

  @Delete(':userId/ban')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'unbanUserServerWide',
    summary: "Lift a user's server-wide ban (administrators)",
    description: 'The user may use the server again.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['userId must be shorter than or equal to 255 characters'] },
    { code: 'NOT_FOUND', message: 'Cannot DELETE /api/v1/chat/admin/users/user-42/ban' },
    { code: 'BAN_NOT_FOUND', message: 'This user is not banned' },
  )
  @ApiNoContentResponse({ description: 'Lifted' })
  unban(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.bans.unban(principal, userId);
  }

  @Get(':userId/export')
  @ApiOperation({
    operationId: 'exportUser',
    summary: 'Everything the chat stores about a user, as JSON (administrators)',
    description: 'Profile, memberships, messages, images, devices, reports and bans of one user, for a data subject request.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['userId must be shorter than or equal to 255 characters'] },
    { code: 'NOT_FOUND', message: 'Cannot GET /api/v1/chat/admin/users/user-42/export' },
    { code: 'USER_NOT_FOUND', message: 'The chat stores nothing about this user' },
  )
  @ApiOkResponse({ type: UserExportResponse })
  export(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<UserExportResponse> {
    return this.exports.export(principal, userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'eraseUser',
    summary: "Erase a user: messages become tombstones without content, uploads, devices and memberships go (administrators)",
    description: 'Messages become tombstones with their content removed (whatever the retention option), images and devices are deleted, memberships removed.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['userId must be shorter than or equal to 255 characters'] },
    { code: 'NOT_FOUND', message: 'Cannot DELETE /api/v1/chat/admin/users/user-42' },
    { code: 'USER_NOT_FOUND', message: 'The chat stores nothing about this user' },
  )
  @ApiNoContentResponse({ description: 'Erased' })
  erase(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.erasure.erase(principal, userId);
  }
}
