import { Controller, Get, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { PresenceQueryDto, PresenceResponse } from './dto/presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@ApiChatErrors(401)
@Controller('presence')
@UseGuards(ChatAuthGuard)
@UsePipes(chatValidationPipe)
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @ApiOperation({ operationId: 'getPresence', summary: 'Online state of users who share a room with the caller' })
  @ApiChatErrors(400)
  @ApiOkResponse({ type: [PresenceResponse] })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: PresenceQueryDto): Promise<PresenceResponse[]> {
    return this.presence.list(principal, query.userIds);
  }
}
