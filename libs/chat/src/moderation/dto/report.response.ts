import { ApiProperty } from '@nestjs/swagger';
import type { MessageReportEntity } from '../entities/message-report.entity';

export class ReportResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  messageId: string;

  @ApiProperty({ format: 'uuid' })
  roomId: string;

  @ApiProperty()
  reporterId: string;

  @ApiProperty()
  reason: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** When an owner, admin or server administrator resolved it; null while open. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt: string | null;
}

/** A page of ReportResponse: open reports, newest first. */
export class ReportPageResponse {
  @ApiProperty({ type: [ReportResponse] })
  items: ReportResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}

export function toReportResponse(report: MessageReportEntity): ReportResponse {
  return {
    id: report.id,
    messageId: report.messageId,
    roomId: report.roomId,
    reporterId: report.reporterId,
    reason: report.reason,
    createdAt: report.createdAt.toISOString(),
    resolvedAt: report.resolvedAt?.toISOString() ?? null,
  };
}
