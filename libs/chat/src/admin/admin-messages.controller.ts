import { Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { IdParam } from '../common/canonical-id';
import { AdminApi } from './admin-api.decorator';
import { AdminRoomsService } from './admin-rooms.service';

@AdminApi('messages')
export class AdminMessagesController {
  constructor(private readonly rooms: AdminRoomsService) {}

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteAdminMessage',
    summary: 'Delete any message as a tombstone (administrators)',
    description: 'The message becomes a tombstone, as when its room\'s owner deletes it.',
  })
  @ApiChatErrors(
    { code: 'NOT_FOUND', message: 'Cannot DELETE /api/v1/chat/admin/messages/0b6f3e2c-5a7d-4f3e-8c1a-9d2e4f6a8b10' },
    'MESSAGE_NOT_FOUND',
  )
  @ApiNoContentResponse({ description: 'Deleted (again: nothing changes)' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('messageId', 'message') messageId: string): Promise<void> {
    return this.rooms.removeMessage(principal, messageId);
  }
}
