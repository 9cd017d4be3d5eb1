import { Controller, Delete, Param, Put, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { MessageResponse } from './dto/message.response';
import { ReactionsService } from './reactions.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiChatErrors(401)
@Controller('rooms/:roomId/messages/:messageId/reactions')
@UseGuards(ChatAuthGuard)
@UsePipes(chatValidationPipe)
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  @Put(':emoji')
  @ApiOperation({ operationId: 'addReaction', summary: "Add the caller's reaction (URL-encode the emoji)" })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors({ status: 400, description: 'Invalid reaction: not an allowed emoji' }, 404, { status: 409, description: 'The message is deleted' })
  add(
    @CurrentUser() principal: ChatPrincipal,
    @Param('roomId') roomId: string,
    @Param('messageId') messageId: string,
    @Param('emoji') emoji: string,
  ): Promise<MessageResponse> {
    return this.reactions.add(principal, roomId, messageId, emoji);
  }

  @Delete(':emoji')
  @ApiOperation({ operationId: 'removeReaction', summary: "Remove the caller's reaction" })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors(400, 404, { status: 409, description: 'The message is deleted' })
  remove(
    @CurrentUser() principal: ChatPrincipal,
    @Param('roomId') roomId: string,
    @Param('messageId') messageId: string,
    @Param('emoji') emoji: string,
  ): Promise<MessageResponse> {
    return this.reactions.remove(principal, roomId, messageId, emoji);
  }
}
