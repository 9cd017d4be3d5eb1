import { Controller, Get, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({
    operationId: 'getPresence',
    summary: 'Online state of users who share a room with the caller',
    description: 'Online state and last seen time of the given users; users who share no room with the caller (or who blocked them) are left out.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['userIds must contain no more than 100 elements'] },
    'GUEST_NOT_ALLOWED',
  )
  // The query as the server parses it (PresenceQueryDto): one comma-separated value (`userIds=a,b`); repeating the
  // parameter (`userIds=a&userIds=b`, what openapi-fetch sends by default) is accepted too.
  @ApiQuery({
    name: 'userIds',
    required: true,
    style: 'form',
    explode: false,
    description: 'User ids, comma-separated (at most 100)',
    schema: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 255 } },
    example: ['user-1', 'user-2'],
  })
  @ApiOkResponse({ type: [PresenceResponse] })
  list(@CurrentUser() principal: ChatPrincipal, @Query() query: PresenceQueryDto): Promise<PresenceResponse[]> {
    return this.presence.list(principal, query.userIds);
  }
}
