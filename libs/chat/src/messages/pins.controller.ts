import { Controller, Get, HttpCode, Param, Post, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { PageQueryDto, type Page } from '../common/pagination';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { MessagePageResponse, MessageResponse } from './dto/message.response';
import { PinsService } from './pins.service';

@ChatApi('rooms/:roomId', 'messages')
export class PinsController {
  constructor(private readonly pins: PinsService) {}

  @Post('messages/:messageId/pin')
  @HttpCode(200)
  @RequireRoom('message.moderate')
  @ApiOperation({
    operationId: 'pinMessage',
    summary: 'Pin a message (owner and admins)',
    description: 'Pinned messages are listed by `GET /pins`; pinning again changes nothing.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner and admins can do this' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    { code: 'CONFLICT', message: 'A deleted message cannot be pinned' },
  )
  @ApiOkResponse({ type: MessageResponse })
  pin(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<MessageResponse> {
    return this.pins.setPinned(principal, roomId, messageId, true);
  }

  @Post('messages/:messageId/unpin')
  @HttpCode(200)
  @RequireRoom('message.moderate')
  @ApiOperation({
    operationId: 'unpinMessage',
    summary: 'Unpin a message (owner and admins)',
    description: 'Unpinning a message that is not pinned changes nothing.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner and admins can do this' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
  )
  @ApiOkResponse({ type: MessageResponse })
  unpin(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<MessageResponse> {
    return this.pins.setPinned(principal, roomId, messageId, false);
  }

  @Get('pins')
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'listPins',
    summary: 'Pinned messages, most recently pinned first',
    description: 'Pinned messages of the room, most recently pinned first, a page at a time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: MessagePageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<MessageResponse>> {
    return this.pins.list(principal, roomId, query);
  }
}
