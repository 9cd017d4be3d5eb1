import { Controller, UseFilters, UseGuards, UsePipes, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiChatErrors } from '../common/api-error-responses';
import { ChatExceptionFilter } from '../common/chat-exception.filter';
import { chatValidationPipe } from '../common/validation';
import { ChatAuthGuard } from './chat-auth.guard';

/**
 * What every chat controller declares: its path and OpenAPI tag, a bearer token (ChatAuthGuard, 401 documented)
 * the chat's validation rules for bodies and queries, and errors answered without leaking what was sent. Routes add their room permission with `@RequireRoom`.
 */
export const ChatApi = (path: string, tag: string): ClassDecorator =>
  applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiChatErrors(401),
    UseGuards(ChatAuthGuard),
    UsePipes(chatValidationPipe),
    UseFilters(ChatExceptionFilter),
  );
