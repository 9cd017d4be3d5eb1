import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { isUuid } from '../common/canonical-id';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { newestFirstPage, type Page, type PageQueryDto } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import { findRoomMessage } from '../messages/message-lookup';
import type { CreateReportDto } from './dto/create-report.dto';
import { toReportResponse, type ReportResponse } from './dto/report.response';
import { MessageReportEntity } from './entities/message-report.entity';

const reportNotFound = (): ChatError => new ChatError('REPORT_NOT_FOUND', 'Report not found');

/**
 * Message reports: any member reports a message once; the room's owner and admins work through the open ones
 * and resolve them. `listOpenEverywhere` and `resolveAnywhere` serve the server administrators' routes (which
 * check the caller is an administrator before calling).
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
  ) {}

  /** Reports a message of the room: 409 when the caller already reported it, or it is deleted. */
  async create(principal: ChatPrincipal, roomId: string, messageId: string, dto: CreateReportDto): Promise<ReportResponse> {
    const report = await this.dataSource.transaction(async (manager) => {
      // The room, then the message, are held against deletion (FOR KEY SHARE: edits, tombstones and sends go on)
      // until the report is in, in the order a room's deletion takes them: a deletion running at the same time
      // either ends first (404) or waits for the report, instead of failing the insert on its foreign keys.
      await this.access.member(principal, 'message.report', roomId, { manager, holdAgainstDeletion: true });
      const message = await findRoomMessage(manager, roomId, messageId, { holdAgainstDeletion: true });
      if (message.deletedAt) throw new ChatError('CONFLICT', 'A deleted message cannot be reported');
      const inserted: Array<{ id: string }> = await manager.query(
        `INSERT INTO chat_message_reports (room_id, message_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING id`,
        [roomId, message.id, principal.userId, dto.reason],
      );
      if (inserted.length === 0) throw new ChatError('CONFLICT', 'You already reported this message');
      return toReportResponse(await manager.getRepository(MessageReportEntity).findOneByOrFail({ id: inserted[0].id }));
    });
    this.events.publish('report.created', { roomId, report });
    return report;
  }

  /** The room's open reports, newest first: owner and admins. */
  async listOpen(principal: ChatPrincipal, roomId: string, query: PageQueryDto): Promise<Page<ReportResponse>> {
    await this.access.member(principal, 'room.moderate', roomId);
    return this.openPage(query, roomId);
  }

  /** Resolves a report of the room (again: answered as it is): owner and admins. */
  async resolve(principal: ChatPrincipal, roomId: string, reportId: string): Promise<ReportResponse> {
    return this.dataSource.transaction(async (manager) => {
      await this.access.member(principal, 'room.moderate', roomId, { manager });
      return this.resolveIn(manager, principal.userId, reportId, roomId);
    });
  }

  /** Open reports of every room, newest first (server administration). */
  listOpenEverywhere(query: PageQueryDto): Promise<Page<ReportResponse>> {
    return this.openPage(query, null);
  }

  /** Resolves any report by id (server administration); audited with the administrator as the actor. */
  resolveAnywhere(actorId: string, reportId: string): Promise<ReportResponse> {
    return this.dataSource.transaction((manager) => this.resolveIn(manager, actorId, reportId, null));
  }

  private async openPage(query: PageQueryDto, roomId: string | null): Promise<Page<ReportResponse>> {
    const reports = this.dataSource.getRepository(MessageReportEntity).createQueryBuilder('r').where('r.resolved_at IS NULL');
    if (roomId) reports.andWhere('r.room_id = :roomId', { roomId });
    const page = await newestFirstPage(reports, {
      at: 'r.created_at',
      tie: { column: 'r.id', type: 'uuid', of: (report) => report.id },
      limit: this.config.pageSize(query.limit),
      cursor: query.cursor,
    });
    return { items: page.items.map(toReportResponse), nextCursor: page.nextCursor };
  }

  /** The report (of `roomId` when given, else of any room), resolved once; the first resolution is kept. */
  private async resolveIn(manager: EntityManager, actorId: string, reportId: string, roomId: string | null): Promise<ReportResponse> {
    if (!isUuid(reportId)) throw reportNotFound();
    const repository = manager.getRepository(MessageReportEntity);
    // Locked: two moderators resolving at once record one resolution.
    const where = roomId ? { id: reportId.toLowerCase(), roomId } : { id: reportId.toLowerCase() };
    const report = await repository.findOne({ where, lock: { mode: 'pessimistic_write' } });
    if (!report) throw reportNotFound();
    if (report.resolvedAt) return toReportResponse(report);
    const resolved = { ...report, resolvedAt: new Date(), resolvedBy: actorId };
    await repository.update(report.id, { resolvedAt: resolved.resolvedAt, resolvedBy: actorId });
    await this.audit.record(
      { actorId, action: 'report.resolved', target: { type: 'report', id: report.id }, roomId: report.roomId, details: { messageId: report.messageId } },
      manager,
    );
    return toReportResponse(resolved);
  }
}
