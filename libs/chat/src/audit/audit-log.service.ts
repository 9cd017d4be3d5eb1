import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { newestFirstPage, type Page } from '../common/pagination';
import { toAuditEntryResponse, type AuditEntryResponse } from './dto/audit-entry.response';
import { AuditEntryEntity, type AuditTargetType } from './entities/audit-entry.entity';

export interface AuditRecord {
  actorId: string;
  action: string;
  target: { type: AuditTargetType; id: string };
  /** The room of a room-level action. */
  roomId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * The audit log of moderation and administration. Record an action inside the transaction that carries it out
 * (pass its manager), so an action and its entry commit or roll back together.
 */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(record: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`INSERT INTO chat_audit_log (actor_id, action, target_type, target_id, room_id, details) VALUES ($1, $2, $3, $4, $5, $6)`, [
      record.actorId,
      record.action,
      record.target.type,
      record.target.id,
      record.roomId ?? null,
      JSON.stringify(record.details ?? {}),
    ]);
  }

  /** Newest first. */
  async list(limit: number, cursor?: string): Promise<Page<AuditEntryResponse>> {
    const query = this.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('a');
    const page = await newestFirstPage(query, { at: 'a.created_at', tie: { column: 'a.id', type: 'uuid', of: (entry) => entry.id }, limit, cursor });
    return { items: page.items.map(toAuditEntryResponse), nextCursor: page.nextCursor };
  }
}
