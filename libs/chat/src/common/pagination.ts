import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isUuid } from './canonical-id';
import { ChatError } from './chat-error';
import { IsChatText, chatTextProblem } from './chat-text';

/** Largest value of PostgreSQL's `integer` (seqs, versions): anything above it makes the database fail, so it is 400. */
export const MAX_INT32 = 2 ** 31 - 1;

/** `?limit=&cursor=` of every list. */
export class PageQueryDto {
  /** Page size, 1..100 (default 50). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page. */
  @IsChatText({ max: 512, optional: true })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends Record<string, string | number>>(
  cursor: string,
  isKey: (value: unknown) => value is K,
): K {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isKey(value) || !Object.values(value).every(isSafeKeyPart)) throw new ChatError('INVALID_INPUT', 'cursor is not valid');
  return value;
}

/**
 * A cursor comes back from the client and could be forged: every number in it must fit the integer columns keys
 * are made of (0..2^31-1) and every text must be one the database accepts, whatever the key's own check says.
 */
const isSafeKeyPart = (part: string | number): boolean =>
  typeof part === 'number' ? Number.isInteger(part) && part >= 0 && part <= MAX_INT32 : typeof part === 'string' && chatTextProblem('cursor', part, { max: 255 }) === null;

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that there is more.
 */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => Record<string, string | number>): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    items: pageRows.map(map),
    nextCursor: hasMore ? encodeCursor(keyOf(pageRows[pageRows.length - 1])) : null,
  };
}

/** Where a newest-first list stops: the last row's timestamp (microseconds, as text) and its tie-breaker. */
type TimeCursor = { at: string; tie: string | number };
/** The timestamps of cursors, as `to_char` writes them below: years 0001..9999, microseconds, UTC. */
const CURSOR_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const isTimeCursor = (value: unknown): value is TimeCursor =>
  typeof value === 'object' &&
  value !== null &&
  isCursorTime((value as TimeCursor).at) &&
  ['string', 'number'].includes(typeof (value as TimeCursor).tie);

/** A cursor timestamp PostgreSQL reads: the format above, and a real date and time ("02-31" or "24:00" are not). */
function isCursorTime(at: unknown): at is string {
  if (typeof at !== 'string' || !CURSOR_TIME.test(at)) return false;
  const date = new Date(at);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === at.slice(0, 19);
}

export interface NewestFirstOptions<E> {
  /** The timestamp column, as SQL (`r.last_activity_at`). */
  at: string;
  /** The unique tie-breaker column, as SQL (`r.id`), its SQL type, and how to read it from a row. */
  tie: { column: string; type: 'uuid' | 'int'; of: (row: E) => string | number };
  limit: number;
  cursor?: string;
}

/**
 * One page of a newest-first list, by keyset: `(at, tie) < cursor`, so a page costs an index range, never an
 * offset, and rows inserted meanwhile neither repeat nor vanish. The cursor keeps the timestamp at full
 * (microsecond) precision: JavaScript dates would round it to milliseconds and skip rows.
 */
export async function newestFirstPage<E extends ObjectLiteral>(query: SelectQueryBuilder<E>, options: NewestFirstOptions<E>): Promise<Page<E>> {
  const { at, tie, limit } = options;
  query
    .addSelect(`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'page_cursor_at')
    .orderBy(at, 'DESC')
    .addOrderBy(tie.column, 'DESC')
    .limit(limit + 1);
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor, isTimeCursor);
    if (tie.type === 'uuid' ? !isUuid(cursor.tie) : typeof cursor.tie !== 'number') {
      throw new ChatError('INVALID_INPUT', 'cursor is not valid');
    }
    query.andWhere(`(${at}, ${tie.column}) < (CAST(:pageAt AS timestamptz), CAST(:pageTie AS ${tie.type === 'uuid' ? 'uuid' : 'integer'}))`, {
      pageAt: cursor.at,
      pageTie: cursor.tie,
    });
  }
  const { entities, raw } = await query.getRawAndEntities<{ page_cursor_at: string }>();
  const cursorAt = new Map(entities.map((row, index) => [row, raw[index].page_cursor_at]));
  return toPage(entities, limit, (row) => row, (row) => ({ at: cursorAt.get(row) as string, tie: tie.of(row) }));
}
