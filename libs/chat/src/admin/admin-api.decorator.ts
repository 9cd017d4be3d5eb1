import { UseGuards, applyDecorators } from '@nestjs/common';
import { ServerAdminGuard } from '../access/server-admin.guard';
import { ChatApi } from '../auth/chat-api.decorator';

/**
 * What every `/admin` controller declares: a chat controller (bearer token, validation, errors) under `admin/<path>`,
 * for server administrators only (ServerAdminGuard, after authentication and before validation: anybody else gets
 * the 404 of a route that does not exist).
 */
export const AdminApi = (path: string): ClassDecorator =>
  applyDecorators(
    ChatApi(`admin/${path}`, 'admin'),
    // Each route documents that 404 (`NOT_FOUND`) with its own errors: a route's 404 replaces a controller's.
    UseGuards(ServerAdminGuard),
  );
