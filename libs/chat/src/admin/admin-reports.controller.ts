import { Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { ChatPrincipal } from '../auth/chat-principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiChatErrors } from '../common/api-error-responses';
import { IdParam } from '../common/canonical-id';
import { PageQueryDto, type Page } from '../common/pagination';
import { ReportPageResponse, ReportResponse } from '../moderation/dto/report.response';
import { ReportsService } from '../moderation/reports.service';
import { AdminApi } from './admin-api.decorator';

@AdminApi('reports')
export class AdminReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAdminReports',
    summary: 'Open reports of every room, newest first (administrators)',
    description: 'Open reports of every room, newest first.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'NOT_FOUND', message: 'Cannot GET /api/v1/chat/admin/reports' },
  )
  @ApiOkResponse({ type: ReportPageResponse })
  list(@Query() query: PageQueryDto): Promise<Page<ReportResponse>> {
    return this.reports.listOpenEverywhere(query);
  }

  @Post(':reportId/resolve')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'resolveAdminReport',
    summary: 'Resolve a report of any room (administrators)',
    description: 'The report leaves the open lists.',
  })
  @ApiChatErrors(
    { code: 'NOT_FOUND', message: 'Cannot POST /api/v1/chat/admin/reports/3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f/resolve' },
    'REPORT_NOT_FOUND',
  )
  @ApiOkResponse({ type: ReportResponse })
  resolve(@CurrentUser() principal: ChatPrincipal, @IdParam('reportId', 'report') reportId: string): Promise<ReportResponse> {
    return this.reports.resolveAnywhere(principal.userId, reportId);
  }
}
