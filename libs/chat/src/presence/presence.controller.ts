import { Controller, Get, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { PresenceQueryDto, PresenceResponse } from './dto/presence.dto';
import { PresenceService } from './presence.service';
import { RequireUser } from '../access/require-user.decorator';

@ChatApi('presence', 'presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @RequireUser('presence.read')
  @ApiChatErrors({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' })
  @ApiOperation({ operationId: 'getPresence', summary: 'Online state of users who share a room with the caller' })
  @ApiChatErrors(400)
  @ApiOkResponse({ type: [PresenceResponse] })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: PresenceQueryDto): Promise<PresenceResponse[]> {
    return this.presence.list(principal, query.userIds);
  }
}
