import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { ReadStateResponse, ReceiptsResponse, SeenDto, SeqDto } from './dto/read-state.dto';
import { ReadStateService } from './read-state.service';

@ChatApi('rooms/:roomId', 'messages')
export class ReadStateController {
  constructor(private readonly readState: ReadStateService) {}

  @Post('read')
  @HttpCode(200)
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'markRoomRead',
    summary: 'Mark read up to seq (never moves backwards)',
    description: 'Moves the caller\'s read pointer to `seq` (never backwards); other members receive a `receipt` event.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['seq must not be less than 0'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReadStateResponse })
  read(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: SeqDto): Promise<ReadStateResponse> {
    return this.readState.markRead(principal, roomId, dto.seq);
  }

  @Post('delivered')
  @HttpCode(200)
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'markRoomDelivered',
    summary: 'The client has received up to seq (never moves backwards)',
    description: 'Moves the caller\'s delivery pointer to `seq` (never backwards).',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['seq must not be less than 0'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReadStateResponse })
  delivered(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: SeqDto): Promise<ReadStateResponse> {
    return this.readState.markDelivered(principal, roomId, dto.seq);
  }

  @Post('messages/seen')
  @HttpCode(200)
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'markMessagesSeen',
    summary: 'Mark read up to the newest of these messages',
    description: 'Marks read up to the newest (highest seq) of the given messages of the room.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['messageIds must contain at least 1 elements'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReadStateResponse })
  seen(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: SeenDto): Promise<ReadStateResponse> {
    return this.readState.markSeen(principal, roomId, dto.messageIds);
  }

  @Get('messages/:messageId/receipts')
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'getMessageReceipts',
    summary: 'Who has seen and received the message',
    description: 'Members whose read or delivery pointer has reached the message; its sender is never listed.',
  })
  @ApiChatErrors(
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReceiptsResponse })
  receipts(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<ReceiptsResponse> {
    return this.readState.receipts(principal, roomId, messageId);
  }
}
