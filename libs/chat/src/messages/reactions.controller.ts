import { Controller, Delete, Param, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { ReactionParam } from '../common/chat-text';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { chatValidationPipe } from '../common/validation';
import { MessageResponse } from './dto/message.response';
import { ReactionsService } from './reactions.service';

@ChatApi('rooms/:roomId/messages/:messageId/reactions', 'messages')
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  @Put(':emoji')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'addReaction', summary: "Add the caller's reaction (URL-encode the emoji)" })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors({ status: 400, description: 'Invalid reaction: not an allowed emoji' }, 404, { status: 409, description: 'The message is deleted' })
  @RateLimit('reactions')
  add(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @ReactionParam() emoji: string,
  ): Promise<MessageResponse> {
    return this.reactions.add(principal, roomId, messageId, emoji);
  }

  @Delete(':emoji')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'removeReaction', summary: "Remove the caller's reaction" })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors(400, 404, { status: 409, description: 'The message is deleted' })
  @RateLimit('reactions')
  remove(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @ReactionParam() emoji: string,
  ): Promise<MessageResponse> {
    return this.reactions.remove(principal, roomId, messageId, emoji);
  }
}
