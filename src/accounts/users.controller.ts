import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ChatAuthGuard, ErrorResponse, RequireUser } from '@parley/chat';
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
  @ApiOperation({ operationId: 'searchUsers', summary: 'Local accounts whose username starts with q (case-insensitive), at most 20' })
  @ApiOkResponse({ type: UserSearchResponse })
  @ApiResponse({ status: 400, description: 'Invalid query', type: ErrorResponse })
  @ApiResponse({ status: 401, description: 'No valid bearer token', type: ErrorResponse })
  @ApiResponse({ status: 403, description: 'The caller is a guest (GUEST_NOT_ALLOWED)', type: ErrorResponse })
  async search(@Query() query: SearchUsersQueryDto): Promise<UserSearchResponse> {
    return { items: await this.accounts.search(query.q, query.limit) };
  }
}
