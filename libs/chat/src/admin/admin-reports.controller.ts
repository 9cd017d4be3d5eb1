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
  @ApiOperation({ operationId: 'listAdminReports', summary: 'Open reports of every room, newest first (administrators)' })
  @ApiOkResponse({ type: ReportPageResponse })
  @ApiChatErrors(400)
  list(@Query() query: PageQueryDto): Promise<Page<ReportResponse>> {
    return this.reports.listOpenEverywhere(query);
  }

  @Post(':reportId/resolve')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resolveAdminReport', summary: 'Resolve a report of any room (administrators)' })
  @ApiOkResponse({ type: ReportResponse })
  @ApiChatErrors({ status: 404, description: 'No such report' })
  resolve(@CurrentUser() principal: ChatPrincipal, @IdParam('reportId', 'report') reportId: string): Promise<ReportResponse> {
    return this.reports.resolveAnywhere(principal.userId, reportId);
  }
}
