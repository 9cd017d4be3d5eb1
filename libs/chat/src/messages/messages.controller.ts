import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { PageQueryDto, type Page } from '../common/pagination';
import { ApiChatErrors, type ApiErrorCase } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { chatValidationPipe } from '../common/validation';
import { CreateMessageDto } from './dto/create-message.dto';
import { ListMessagesQueryDto } from './dto/list-messages.query';
import { MessageEditPageResponse, MessageEditResponse } from './dto/message-edit.response';
import { MessagePageResponse, MessageResponse } from './dto/message.response';
import { UpdateMessageDto } from './dto/update-message.dto';
import { MessagesService } from './messages.service';

/** What an edit (PATCH and PUT alike) can answer besides success. */
const EDIT_ERRORS: ApiErrorCase[] = [
  { code: 'INVALID_INPUT', message: ['body must be shorter than or equal to 4000 characters'] },
  { code: 'FORBIDDEN', message: 'Only its sender can edit a message' },
  'ROOM_NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  { code: 'CONFLICT', message: 'A deleted message cannot be edited' },
];

@ChatApi('rooms/:roomId/messages', 'messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'listMessages',
    summary: 'Top-level messages newest first, or one thread (?parentId=) oldest first',
    description: 'Top-level messages, newest first, or with `parentId` one thread, oldest first. `beforeSeq`/`afterSeq` page by seq, `q` searches the text (case-insensitive), `senderId`, `createdAfter` and `createdBefore` filter. Deleted messages stay as tombstones.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['beforeSeq must not be less than 1'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: MessagePageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: ListMessagesQueryDto): Promise<Page<MessageResponse>> {
    return this.messages.list(principal, roomId, query);
  }

  @Post()
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'createMessage',
    summary: 'Send a message (200 with the first message when the clientId was used)',
    description: 'A body, images or both. `clientId` (unique per sender) makes a retry safe: sending again with the same clientId answers 200 with the first message. `parentId` replies in the thread of a top-level message; `mentions` names members.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'parentId must be a message of this room' },
    { code: 'INVALID_INPUT', message: 'A message needs a body or images' },
    { code: 'INVALID_MENTION', message: 'mentions must name members of the room' },
    { code: 'SILENCED', message: 'You are silenced in this room' },
    { code: 'ROOM_FROZEN', message: 'This room is frozen: only the owner and admins can send' },
    { code: 'BLOCKED', message: 'This user has blocked you' },
    { code: 'MESSAGE_REJECTED', message: 'Links are not allowed here' },
    'GUEST_NOT_ALLOWED',
    'ROOM_NOT_FOUND',
    { code: 'CONFLICT', message: 'This clientId was already used for a message in another room' },
    { code: 'SLOW_MODE', message: 'Slow mode: you can send again in 12 s' },
    { code: 'RATE_LIMITED', message: 'Too many messages are waiting to be written; retry shortly' },
    { code: 'ROOM_BUSY', message: 'The room is busy (another transaction holds it): the message was not written; send it again' },
    { code: 'SHUTTING_DOWN', message: 'This node is shutting down: the message was not written; send it again' },
  )
  @ApiCreatedResponse({ type: MessageResponse, description: 'The new message' })
  @ApiOkResponse({ type: MessageResponse, description: 'The message first sent with this clientId' })
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
  @ApiOperation({
    operationId: 'getMessage',
    summary: 'One message of a room',
    description: 'A message of a room the caller is a member of; a deleted one is a tombstone (empty body, no images, `deletedAt` set).',
  })
  @ApiChatErrors(
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
  )
  @ApiOkResponse({ type: MessageResponse })
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<MessageResponse> {
    return this.messages.get(principal, roomId, messageId);
  }

  @Patch(':messageId')
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'updateMessage',
    summary: 'Edit a message (sender only)',
    description: 'The sender changes the body (and mentions); `editedAt` is set and the earlier text is kept in the history.',
  })
  @ApiChatErrors(...EDIT_ERRORS)
  @ApiOkResponse({ type: MessageResponse })
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
  @ApiOperation({
    operationId: 'replaceMessage',
    summary: 'Edit a message (sender only); same as PATCH',
    description: 'Same as PATCH: the body is the whole editable content of a message.',
  })
  @ApiChatErrors(...EDIT_ERRORS)
  @ApiOkResponse({ type: MessageResponse })
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
  @ApiOperation({
    operationId: 'deleteMessage',
    summary: 'Delete as a tombstone (sender, owner, admins)',
    description: 'The message stays in the history as a tombstone (empty body, no images, `deletedAt` set). Its sender, the owner and admins may delete it.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner and admins can do this' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted: the message stays as a tombstone' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('messageId', 'message') messageId: string): Promise<void> {
    return this.messages.remove(principal, roomId, messageId);
  }

  @Get(':messageId/history')
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'getMessageHistory',
    summary: 'Earlier versions of an edited message (sender, owner, admins)',
    description: 'The texts a message had before each edit, newest first. Its sender, the owner and admins may read it.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can do this' },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
  )
  @ApiOkResponse({ type: MessageEditPageResponse })
  history(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<MessageEditResponse>> {
    return this.messages.history(principal, roomId, messageId, query);
  }
}
