import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatApi } from '../auth/chat-api.decorator';
import { IdParam } from '../common/canonical-id';
import { TextParam } from '../common/chat-text';
import { RequireRoom } from '../access/require-room.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { PageQueryDto, type Page } from '../common/pagination';
import { ApiChatErrors } from '../common/api-error-responses';
import { RateLimit } from '../limits/rate-limit.decorator';
import { chatValidationPipe } from '../common/validation';
import { MemberPageResponse, MemberResponse } from './dto/member.response';
import { AddMemberDto } from './dto/add-member.dto';
import { UpdateMemberDto } from './dto/update-member.dto';
import { MembersService } from './members.service';

@ChatApi('rooms/:roomId/members', 'members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'listMembers' })
  @ApiOkResponse({ type: MemberPageResponse })
  @ApiChatErrors(400, 404)
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<MemberResponse>> {
    return this.members.list(principal, roomId, query);
  }

  @Get(':userId')
  @RequireRoom('room.read')
  @ApiOperation({ operationId: 'getMember' })
  @ApiOkResponse({ type: MemberResponse })
  @ApiChatErrors(404)
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<MemberResponse> {
    return this.members.get(principal, roomId, userId);
  }

  @Post()
  @RequireRoom('member.add')
  @ApiOperation({ operationId: 'addMember', summary: 'Add a member (owner and admins; never to a direct room)' })
  @ApiCreatedResponse({ type: MemberResponse })
  @ApiChatErrors(400, 403, 404, { status: 409, description: 'Already a member' })
  @RateLimit('memberAdds')
  add(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: AddMemberDto): Promise<MemberResponse> {
    return this.members.add(principal, roomId, dto);
  }

  @Patch(':userId')
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'updateMember',
    summary: "Change a member's role (owner; role owner hands ownership over) and/or silence them until a time (owner and admins)",
  })
  @ApiOkResponse({ type: MemberResponse })
  @ApiChatErrors(
    400,
    { status: 403, description: 'Not allowed: roles are the owner\'s; admins silence plain members only; nobody silences themself; never in direct rooms' },
    404,
    { status: 409, description: 'The owner cannot step down without handing ownership over' },
  )
  update(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @TextParam('userId', 255) userId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberResponse> {
    return this.members.update(principal, roomId, userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequireRoom('member.remove')
  @ApiOperation({ operationId: 'removeMember', summary: 'Remove a member (owner/admin), or leave (yourself)' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiChatErrors(403, 404, { status: 409, description: 'The owner must hand ownership over first' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.members.remove(principal, roomId, userId);
  }
}
