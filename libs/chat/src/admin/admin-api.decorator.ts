import { UseGuards, applyDecorators } from '@nestjs/common';
import { ServerAdminGuard } from '../access/server-admin.guard';
import { ChatApi } from '../auth/chat-api.decorator';
import { ApiChatErrors } from '../common/api-error-responses';

/**
 * What every `/admin` controller declares: a chat controller (bearer token, validation, errors) under `admin/<path>`,
 * for server administrators only (ServerAdminGuard, after authentication and before validation: anybody else gets
 * the 404 of a route that does not exist).
 */
export const AdminApi = (path: string): ClassDecorator =>
  applyDecorators(
    ChatApi(`admin/${path}`, 'admin'),
    UseGuards(ServerAdminGuard),
    ApiChatErrors({ status: 404, description: 'Not found; also the answer to anybody who is not a server administrator, as for a route that does not exist' }),
  );
