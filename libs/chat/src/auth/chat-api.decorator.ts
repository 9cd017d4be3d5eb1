import { Controller, UseFilters, UseGuards, UsePipes, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiErrors, EVERY_CHAT_ROUTE } from '../common/api-error-responses';
import { ChatExceptionFilter } from '../common/chat-exception.filter';
import { chatValidationPipe } from '../common/validation';
import { ChatAuthGuard } from './chat-auth.guard';

/**
 * What every chat controller declares: its path and OpenAPI tag, a bearer token (ChatAuthGuard; its 401 and 403 `USER_BANNED`, and the database's 503, documented)
 * the chat's validation rules for bodies and queries, and errors answered without leaking what was sent. Routes add their room permission with `@RequireRoom`.
 */
export const ChatApi = (path: string, tag: string): ClassDecorator =>
  applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiErrors(...EVERY_CHAT_ROUTE),
    UseGuards(ChatAuthGuard),
    UsePipes(chatValidationPipe),
    UseFilters(ChatExceptionFilter),
  );
