import { Delete, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { IdParam } from '../common/canonical-id';
import { AdminApi } from './admin-api.decorator';
import { AdminRoomsService } from './admin-rooms.service';

@AdminApi('messages')
export class AdminMessagesController {
  constructor(private readonly rooms: AdminRoomsService) {}

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteAdminMessage', summary: 'Delete any message as a tombstone (administrators)' })
  @ApiNoContentResponse({ description: 'Deleted (again: nothing changes)' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('messageId', 'message') messageId: string): Promise<void> {
    return this.rooms.removeMessage(principal, messageId);
  }
}
