import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { REQUIRED_USER_PERMISSION, UserAccessGuard } from './user-access.guard';
import type { UserPermission } from './user-permission';

/** What a route outside rooms needs: `@RequireUser('room.create')` and so on (see UserPermission). */
export const RequireUser = (permission: UserPermission): MethodDecorator =>
  applyDecorators(SetMetadata(REQUIRED_USER_PERMISSION, permission), UseGuards(UserAccessGuard));
