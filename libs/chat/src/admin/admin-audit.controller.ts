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
  @ApiOperation({
    operationId: 'listAuditLog',
    summary: 'Every moderation and administration action, newest first (administrators)',
    description: 'Every moderation and administration action, room-level ones included, newest first.',
  })
  @ApiChatErrors(
    { code: 'INVALID_INPUT', message: ['limit must not be greater than 100'] },
    { code: 'NOT_FOUND', message: 'Cannot GET /api/v1/chat/admin/audit' },
  )
  @ApiOkResponse({ type: AuditEntryPageResponse })
  list(@Query() query: PageQueryDto): Promise<Page<AuditEntryResponse>> {
    return this.audit.list(this.config.pageSize(query.limit), query.cursor);
  }
}
