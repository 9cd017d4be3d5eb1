import { Controller, Get, Param, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { ChangesQueryDto, ChangesResponse } from './dto/changes.dto';
import { SyncService } from './sync.service';

@ApiTags('rooms')
@ApiBearerAuth()
@ApiChatErrors(401)
@Controller('rooms/:roomId/changes')
@UseGuards(ChatAuthGuard)
@UsePipes(chatValidationPipe)
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Get()
  @ApiOperation({ operationId: 'getRoomChanges', summary: 'Everything changed in the room after version `since`' })
  @ApiOkResponse({ type: ChangesResponse })
  @ApiChatErrors(400, 404)
  changes(@CurrentUser() principal: ChatPrincipal, @Param('roomId') roomId: string, @Query() query: ChangesQueryDto): Promise<ChangesResponse> {
    return this.sync.changes(principal, roomId, query.since);
  }
}
