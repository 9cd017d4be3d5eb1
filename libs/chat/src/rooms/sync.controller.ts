import { Controller, Get, Param, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { ChangesQueryDto, ChangesResponse } from './dto/changes.dto';
import { SyncService } from './sync.service';

@ChatApi('rooms/:roomId/changes', 'rooms')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Get()
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'getRoomChanges',
    summary: 'Everything changed in the room after version `since`, a page at a time',
    description: 'At most `limit` changed rows (messages, members, removals) per page. While `hasMore` is true, call again with `since` = the returned `version` and `cursor` = `nextCursor`. A client far behind may instead reload the history (GET messages and members) and take the room\'s `version`.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['since must not be less than 0'] },
    { code: 'INVALID_INPUT', message: 'cursor does not belong to this since: send the version of the page that gave it' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: ChangesResponse })
  changes(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: ChangesQueryDto): Promise<ChangesResponse> {
    return this.sync.changes(principal, roomId, query);
  }
}
