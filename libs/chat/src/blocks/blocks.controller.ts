import { Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequireUser } from '../access/require-user.decorator';
import { ChatApi } from '../auth/chat-api.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { TextParam } from '../common/chat-text';
import { BlockListResponse, BlockResponse } from './dto/block.response';
import { BlocksService } from './blocks.service';

const GUEST_403 = { status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)' } as const;

@ChatApi('blocks', 'blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Get()
  @RequireUser('block.manage')
  @ApiOperation({ operationId: 'listBlocks', summary: 'The users the caller blocked, newest first' })
  @ApiChatErrors(GUEST_403)
  @ApiOkResponse({ type: BlockListResponse })
  list(@CurrentUser() principal: ChatPrincipal): Promise<BlockListResponse> {
    return this.blocks.list(principal);
  }

  @Put(':userId')
  @RequireUser('block.manage')
  @ApiOperation({
    operationId: 'blockUser',
    summary: 'Block a user: they can no longer open a direct room with you, add you to rooms, write in your direct room, or see your presence',
  })
  @ApiChatErrors({ status: 400, description: 'Blocking yourself' }, GUEST_403, { status: 409, description: 'The caller already blocks as many users as allowed' })
  @ApiOkResponse({ type: BlockResponse, description: 'The block (the existing one when the user was blocked already)' })
  block(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<BlockResponse> {
    return this.blocks.block(principal, userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequireUser('block.manage')
  @ApiOperation({ operationId: 'unblockUser', summary: 'Unblock a user (nothing happens when they are not blocked)' })
  @ApiChatErrors(GUEST_403)
  @ApiNoContentResponse({ description: 'Not blocked any more' })
  unblock(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.blocks.unblock(principal, userId);
  }
}
