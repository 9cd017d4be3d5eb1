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
  @ApiOperation({ operationId: 'reportMessage', summary: "Report a message to the room's owner and admins (once per member and message)" })
  @ApiCreatedResponse({ type: ReportResponse })
  @ApiChatErrors(400, 404, { status: 409, description: 'Already reported by the caller, or the message is deleted' })
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
  @ApiOperation({ operationId: 'listReports', summary: "The room's open reports, newest first (owner and admins)" })
  @ApiOkResponse({ type: ReportPageResponse })
  @ApiChatErrors(400, 403, 404)
  list(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @Query() query: PageQueryDto): Promise<Page<ReportResponse>> {
    return this.reports.listOpen(principal, roomId, query);
  }

  @Post('reports/:reportId/resolve')
  @HttpCode(200)
  @RequireRoom('room.moderate')
  @ApiOperation({ operationId: 'resolveReport', summary: 'Resolve a report of the room (owner and admins)' })
  @ApiOkResponse({ type: ReportResponse })
  @ApiChatErrors(403, 404)
  resolve(@CurrentUser() principal: ChatPrincipal, @IdParam('roomId', 'room') roomId: string, @IdParam('reportId', 'report') reportId: string): Promise<ReportResponse> {
    return this.reports.resolve(principal, roomId, reportId);
  }
}
