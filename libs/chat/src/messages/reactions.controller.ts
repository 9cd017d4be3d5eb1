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
  @ApiOperation({
    operationId: 'addReaction',
    summary: "Add the caller's reaction (URL-encode the emoji)",
    description: 'One reaction per user, emoji and message; adding it again changes nothing. The emoji goes URL-encoded in the path.',
  })
  @ApiChatErrors(
    { code: 'INVALID_REACTION', message: 'Invalid reaction: "not an emoji"' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    { code: 'CONFLICT', message: 'A deleted message cannot be reacted to' },
  )
  @ApiOkResponse({ type: MessageResponse })
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
  @ApiOperation({
    operationId: 'removeReaction',
    summary: "Remove the caller's reaction",
    description: 'Removing a reaction the caller did not give changes nothing.',
  })
  @ApiChatErrors(
    { code: 'INVALID_REACTION', message: 'Invalid reaction: "not an emoji"' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    { code: 'CONFLICT', message: 'A deleted message cannot be reacted to' },
  )
  @ApiOkResponse({ type: MessageResponse })
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
