import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { PageQueryDto, type Page } from '../common/pagination';
import { ApiChatErrors } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { chatValidationPipe } from '../common/validation';
import { CreateMessageDto } from './dto/create-message.dto';
import { ListMessagesQueryDto } from './dto/list-messages.query';
import { MessageEditPageResponse, MessageEditResponse } from './dto/message-edit.response';
import { MessagePageResponse, MessageResponse } from './dto/message.response';
import { UpdateMessageDto } from './dto/update-message.dto';
import { MessagesService } from './messages.service';

@ChatApi('rooms/:roomId/messages', 'messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'listMessages', summary: 'Top-level messages newest first, or one thread (?parentId=) oldest first' })
  @ApiOkResponse({ type: MessagePageResponse })
  @ApiChatErrors(400, 404)
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: ListMessagesQueryDto): Promise<Page<MessageResponse>> {
    return this.messages.list(principal, roomId, query);
  }

  @Post()
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'createMessage', summary: 'Send a message (200 with the first message when the clientId was used)' })
  @ApiCreatedResponse({ type: MessageResponse, description: 'The new message' })
  @ApiOkResponse({ type: MessageResponse, description: 'The message first sent with this clientId' })
  @ApiChatErrors(
    400,
    { status: 403, description: 'Refused by the host application (`beforeMessageSend`), the caller is silenced (`SILENCED`), or the room is frozen (`ROOM_FROZEN`)' },
    404,
    { status: 409, description: 'The clientId was already used in another room' },
    {
      status: 429,
      description:
        'Too many messages from the caller (HTTP and socket together; `Retry-After` says when to retry), slow mode (`SLOW_MODE`, `retryAfterSeconds` in the body), or the room is receiving too many at once',
    },
  )
  @RateLimit('messages')
  async create(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @Body() dto: CreateMessageDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageResponse> {
    const { created, message } = await this.messages.send(principal, roomId, dto);
    response.status(created ? 201 : 200);
    return message;
  }

  @Get(':messageId')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'getMessage' })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors(404)
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<MessageResponse> {
    return this.messages.get(principal, roomId, messageId);
  }

  @Patch(':messageId')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'updateMessage', summary: 'Edit a message (sender only)' })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors(400, 403, 404, { status: 409, description: 'The message is deleted' })
  update(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @Body() dto: UpdateMessageDto,
  ): Promise<MessageResponse> {
    return this.messages.edit(principal, roomId, messageId, dto);
  }

  @Put(':messageId')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'replaceMessage', summary: 'Edit a message (sender only); same as PATCH' })
  @ApiOkResponse({ type: MessageResponse })
  @ApiChatErrors(400, 403, 404, { status: 409, description: 'The message is deleted' })
  replace(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @Body() dto: UpdateMessageDto,
  ): Promise<MessageResponse> {
    return this.messages.edit(principal, roomId, messageId, dto);
  }

  @Delete(':messageId')
  @HttpCode(204)
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'deleteMessage', summary: 'Delete as a tombstone (sender, owner, admins)' })
  @ApiNoContentResponse({ description: 'Deleted: the message stays as a tombstone' })
  @ApiChatErrors(403, 404)
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<void> {
    return this.messages.remove(principal, roomId, messageId);
  }

  @Get(':messageId/history')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'getMessageHistory', summary: 'Earlier versions of an edited message (sender, owner, admins)' })
  @ApiOkResponse({ type: MessageEditPageResponse })
  @ApiChatErrors(400, 403, 404)
  history(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<MessageEditResponse>> {
    return this.messages.history(principal, roomId, messageId, query);
  }
}
