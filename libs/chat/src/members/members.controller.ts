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
  @ApiOperation({
    operationId: 'listMembers',
    summary: 'Members of a room',
    description: 'Every member with their role, read pointers, silence and online state, a page at a time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: MemberPageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<MemberResponse>> {
    return this.members.list(principal, roomId, query);
  }

  @Get(':userId')
  @RequireRoom('room.read')
  @ApiOperation({
    operationId: 'getMember',
    summary: 'One member of a room',
    description: 'One member of a room the caller is in: 404 when that user is not a member.',
  })
  @ApiChatErrors(
    'ROOM_NOT_FOUND',
    'MEMBER_NOT_FOUND',
  )
  @ApiOkResponse({ type: MemberResponse })
  get(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<MemberResponse> {
    return this.members.get(principal, roomId, userId);
  }

  @Post()
  @RequireRoom('member.add')
  @ApiOperation({
    operationId: 'addMember',
    summary: 'Add a member (owner and admins; never to a direct room)',
    description: 'Owners and admins add plain members; only the owner adds admins. A banned user cannot be added until the ban ends.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['userId should not be empty'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can add members' },
    { code: 'BANNED', message: 'Banned from this room' },
    { code: 'BLOCKED', message: 'This user has blocked you' },
    { code: 'GUEST_NOT_ALLOWED', message: 'Guests can only be plain members of public rooms that allow guests' },
    'ROOM_NOT_FOUND',
    { code: 'USER_NOT_FOUND', message: 'No user has the id user-42' },
    { code: 'ALREADY_MEMBER', message: 'That user is already a member of this room' },
  )
  @ApiCreatedResponse({ type: MemberResponse })
  @RateLimit('memberAdds')
  add(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Body() dto: AddMemberDto): Promise<MemberResponse> {
    return this.members.add(principal, roomId, dto);
  }

  @Patch(':userId')
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'updateMember',
    summary: "Change a member's role (owner; role owner hands ownership over) and/or silence them until a time (owner and admins)",
    description: 'The owner changes roles (making another member owner hands ownership over); owners and admins silence members until a time (`silencedUntil`, null lifts it).',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: 'Give role, silencedUntil or both' },
    { code: 'FORBIDDEN', message: 'Only the owner can change roles' },
    'ROOM_NOT_FOUND',
    'MEMBER_NOT_FOUND',
    { code: 'CONFLICT', message: 'The owner cannot step down without handing ownership to another member' },
  )
  @ApiOkResponse({ type: MemberResponse })
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
  @ApiOperation({
    operationId: 'removeMember',
    summary: 'Remove a member (owner/admin), or leave (yourself)',
    description: 'Owners and admins remove members (admins only plain members); any member removes themself, which is leaving.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Nobody can be removed from a direct room' },
    'ROOM_NOT_FOUND',
    'MEMBER_NOT_FOUND',
    { code: 'CONFLICT', message: 'The owner must hand ownership to another member (PATCH their role to owner) before leaving' },
  )
  @ApiNoContentResponse({ description: 'Removed' })
  remove(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @TextParam('userId', 255) userId: string): Promise<void> {
    return this.members.remove(principal, roomId, userId);
  }
}
