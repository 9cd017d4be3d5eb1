import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AuditLogService } from '../audit/audit-log.service';
import type { AuditEntryResponse } from '../audit/dto/audit-entry.response';
import { ApiChatErrors } from '../common/api-error-responses';
import { ChatConfig } from '../common/chat-config';
import { PageQueryDto, type Page } from '../common/pagination';
import { AdminApi } from './admin-api.decorator';
import { AuditEntryPageResponse } from './dto/audit-page.response';

@AdminApi('audit')
export class AdminAuditController {
  constructor(
    private readonly audit: AuditLogService,
    private readonly config: ChatConfig,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listAuditLog', summary: 'Every moderation and administration action, newest first (administrators)' })
  @ApiOkResponse({ type: AuditEntryPageResponse })
  @ApiChatErrors(400)
  list(@Query() query: PageQueryDto): Promise<Page<AuditEntryResponse>> {
    return this.audit.list(this.config.pageSize(query.limit), query.cursor);
  }
}
