import { Body, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequireRoom } from '../access/require-room.decorator';
import { ChatApi } from '../auth/chat-api.decorator';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { IdParam } from '../common/canonical-id';
import { PageQueryDto, type Page } from '../common/pagination';
import { CreateReportDto } from './dto/create-report.dto';
import { ReportPageResponse, ReportResponse } from './dto/report.response';
import { ReportsService } from './reports.service';

@ChatApi('rooms/:roomId', 'moderation')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post('messages/:messageId/reports')
  @RequireRoom('message.report')
  @ApiOperation({
    operationId: 'reportMessage',
    summary: "Report a message to the room's owner and admins (once per member and message)",
    description: 'Any member reports a message once; the owner and admins see it in `GET /reports`.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['reason should not be empty'] },
    'ROOM_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    { code: 'CONFLICT', message: 'You already reported this message' },
    { code: 'CONFLICT', message: 'A deleted message cannot be reported' },
  )
  @ApiCreatedResponse({ type: ReportResponse })
  create(
    @CurrentUser() principal: ChatPrincipal,
    @IdParam('roomId', 'room') roomId: string,
    @IdParam('messageId', 'message') messageId: string,
    @Body() dto: CreateReportDto,
  ): Promise<ReportResponse> {
    return this.reports.create(principal, roomId, messageId, dto);
  }

  @Get('reports')
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'listReports',
    summary: "The room's open reports, newest first (owner and admins)",
    description: 'Reports not resolved yet, newest first, a page at a time.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'FORBIDDEN', message: 'Only the owner and admins can moderate this room' },
    'ROOM_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReportPageResponse })
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<ReportResponse>> {
    return this.reports.listOpen(principal, roomId, query);
  }

  @Post('reports/:reportId/resolve')
  @HttpCode(200)
  @RequireRoom('room.moderate')
  @ApiOperation({
    operationId: 'resolveReport',
    summary: 'Resolve a report of the room (owner and admins)',
    description: 'The report leaves the open list; `resolvedAt` is set.',
  })
  @ApiChatErrors(
    { code: 'FORBIDDEN', message: 'Only the owner and admins can moderate this room' },
    'ROOM_NOT_FOUND',
    'REPORT_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReportResponse })
  resolve(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('reportId', 'report') reportId: string): Promise<ReportResponse> {
    return this.reports.resolve(principal, roomId, reportId);
  }
}
