import { Controller, UseGuards, UsePipes, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiChatErrors } from '../common/api-error-responses';
import { chatValidationPipe } from '../common/validation';
import { ChatAuthGuard } from './chat-auth.guard';

/**
 * What every chat controller declares: its path and OpenAPI tag, a bearer token (ChatAuthGuard, 401 documented)
 * and the chat's validation rules for bodies and queries. Routes add their room permission with `@RequireRoom`.
 */
export const ChatApi = (path: string, tag: string): ClassDecorator =>
  applyDecorators(Controller(path), ApiTags(tag), ApiBearerAuth(), ApiChatErrors(401), UseGuards(ChatAuthGuard), UsePipes(chatValidationPipe));
