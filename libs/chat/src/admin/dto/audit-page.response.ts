import { ApiProperty } from '@nestjs/swagger';
import { AuditEntryResponse } from '../../audit/dto/audit-entry.response';

/** `GET /admin/audit`: a page of the audit log, newest first. */
export class AuditEntryPageResponse {
  @ApiProperty({ type: [AuditEntryResponse] })
  items: AuditEntryResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}
