import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ChatRequest } from '../auth/chat-auth.guard';
import { canonicalId } from '../common/canonical-id';
import { AccessService } from './access.service';
import type { RoomPermission } from './room-permission';

/** The metadata key of `@RequireRoom`. */
export const REQUIRED_ROOM_PERMISSION = 'parley:required-room-permission';

/**
 * Lets a request through when the caller holds the route's room permission (`@RequireRoom`) in the room of the
 * `:roomId` path parameter; else 404 (the room is not there for them) or 403 (they see it, may not do this).
 * Runs after ChatAuthGuard, which the controller declares first.
 */
@Injectable()
export class RoomAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.get<RoomPermission | undefined>(REQUIRED_ROOM_PERMISSION, context.getHandler());
    if (!permission) return true;
    const request = context.switchToHttp().getRequest<ChatRequest>();
    const principal = request.chatPrincipal;
    if (!principal) throw new Error('RoomAccessGuard runs after ChatAuthGuard');
    await this.access.room(principal, permission, canonicalId('room', request.params.roomId as string));
    return true;
  }
}
