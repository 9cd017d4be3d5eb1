import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ChatAuthGuard, RequireUser } from '@parley/chat';
import { AccountsService } from './accounts.service';
import { SearchUsersQueryDto } from './dto/search-users.dto';
import { UserSearchResponse } from './dto/user-search.response';

/**
 * Finding local accounts by username, to pick room members. Not rate limited like register and log in (it needs
 * a valid token, and the demo client searches as you type). The token is checked by the chat library's own guard,
 * so any token the chat accepts will do.
 */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v1/auth/users')
@UseGuards(ChatAuthGuard)
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @RequireUser('account.search')
  @ApiOperation({
    operationId: 'searchUsers',
    summary: 'Local accounts whose username starts with q (case-insensitive), at most 20',
    description: 'To pick room members by name; any token the chat accepts will do, except a guest\'s.',
  })
  @ApiOkResponse({ type: UserSearchResponse })
  @ApiErrors(
    { code: 'INVALID_INPUT', message: ['q must be longer than or equal to 1 characters'] },
    'UNAUTHENTICATED',
    'GUEST_NOT_ALLOWED',
    'USER_BANNED',
    'DATABASE_UNAVAILABLE',
  )
  async search(@Query() query: SearchUsersQueryDto): Promise<UserSearchResponse> {
    return { items: await this.accounts.search(query.q, query.limit) };
  }
}
