import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AccessService } from '../access/access.service';
import type { ChatRequest } from '../auth/chat-auth.guard';
import { canonicalId } from '../common/canonical-id';
import { imageNotFound } from './image-errors';

/**
 * Lets a request for the image of the `:imageId` path through when the access layer lets the caller see it (see
 * AccessService.images); anybody else gets 404, exactly as for an image that does not exist, so ids cannot be
 * probed. Runs after ChatAuthGuard.
 */
@Injectable()
export class ImageAccessGuard implements CanActivate {
  constructor(private readonly access: AccessService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ChatRequest>();
    const principal = request.chatPrincipal;
    if (!principal) throw new Error('ImageAccessGuard runs after ChatAuthGuard');
    const imageId = canonicalId('image', request.params.imageId as string);
    if (!(await this.access.images(principal.userId, [imageId])).has(imageId)) throw imageNotFound();
    return true;
  }
}
