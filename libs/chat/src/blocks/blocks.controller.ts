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
  @ApiOperation({
    operationId: 'listBlocks',
    summary: 'The users the caller blocked, newest first',
    description: 'Users the caller blocked; clients hide their messages.',
  })
  @ApiChatErrors('GUEST_NOT_ALLOWED')
  @ApiOkResponse({ type: BlockListResponse })
  list(@CurrentUser() principal: ChatPrincipal): Promise<BlockListResponse> {
    return this.blocks.list(principal);
  }

  @Put(':userId')
  @RequireUser('block.manage')
  @ApiOperation({
    operationId: 'blockUser',
    summary: 'Block a user: they can no longer open a direct room with you, add you to rooms, write in your direct room, or see your presence',
    description: 'A blocked user cannot open a direct room with the caller, add them to rooms, send in their direct room or see their presence. Blocking again changes nothing.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'You cannot block yourself' },
    'GUEST_NOT_ALLOWED',
    { code: 'CONFLICT', message: 'You can block at most 1000 users: unblock someone first' },
  )
  @ApiOkResponse({ type: BlockResponse, description: 'The block (the existing one when the user was blocked already)' })
  block(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<BlockResponse> {
    return this.blocks.block(principal, userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequireUser('block.manage')
  @ApiOperation({
    operationId: 'unblockUser',
    summary: 'Unblock a user (nothing happens when they are not blocked)',
    description: 'Unblocking a user who is not blocked changes nothing.',
  })
  @ApiChatErrors('GUEST_NOT_ALLOWED')
  @ApiNoContentResponse({ description: 'Not blocked any more' })
  unblock(@CurrentUser() principal: ChatPrincipal, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.blocks.unblock(principal, userId);
  }
}
