import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { ReadStateResponse, ReceiptsResponse, SeenDto, SeqDto } from './dto/read-state.dto';
import { ReadStateService } from './read-state.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiChatErrors(401)
@Controller('rooms/:roomId')
@UseGuards(ChatAuthGuard)
@UsePipes(chatValidationPipe)
export class ReadStateController {
  constructor(private readonly readState: ReadStateService) {}

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ operationId: 'markRoomRead', summary: 'Mark read up to seq (never moves backwards)' })
  @ApiChatErrors(400, 404)
  @ApiOkResponse({ type: ReadStateResponse })
  read(@CurrentUser() principal: ChatPrincipal, @Param('roomId') roomId: string, @Body() dto: SeqDto): Promise<ReadStateResponse> {
    return this.readState.markRead(principal, roomId, dto.seq);
  }

  @Post('delivered')
  @HttpCode(200)
  @ApiOperation({ operationId: 'markRoomDelivered', summary: 'The client has received up to seq (never moves backwards)' })
  @ApiChatErrors(400, 404)
  @ApiOkResponse({ type: ReadStateResponse })
  delivered(@CurrentUser() principal: ChatPrincipal, @Param('roomId') roomId: string, @Body() dto: SeqDto): Promise<ReadStateResponse> {
    return this.readState.markDelivered(principal, roomId, dto.seq);
  }

  @Post('messages/seen')
  @HttpCode(200)
  @ApiOperation({ operationId: 'markMessagesSeen', summary: 'Mark read up to the newest of these messages' })
  @ApiChatErrors(400, 404)
  @ApiOkResponse({ type: ReadStateResponse })
  seen(@CurrentUser() principal: ChatPrincipal, @Param('roomId') roomId: string, @Body() dto: SeenDto): Promise<ReadStateResponse> {
    return this.readState.markSeen(principal, roomId, dto.messageIds);
  }

  @Get('messages/:messageId/receipts')
  @ApiOperation({ operationId: 'getMessageReceipts', summary: 'Who has seen and received the message' })
  @ApiOkResponse({ type: ReceiptsResponse })
  @ApiChatErrors(404)
  receipts(@CurrentUser() principal: ChatPrincipal, @Param('roomId') roomId: string, @Param('messageId') messageId: string): Promise<ReceiptsResponse> {
    return this.readState.receipts(principal, roomId, messageId);
  }
}
