import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, ValidateBy } from 'class-validator';

/** A timestamp the services can turn into a Date and PostgreSQL can store: years 1 to 9999, in UTC. */
export function isStorableDateTime(value: string): boolean {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return false;
  const year = new Date(time).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/**
 * An ISO-8601 date and time of a DTO (`2026-05-01T12:00:00Z`). class-validator's strict IsISO8601 also takes forms
 * JavaScript's Date cannot read (`2020-W01`, `20200101T000000Z`): an Invalid Date then reached the database, a 500.
 */
export const IsChatDateTime = (): PropertyDecorator =>
  applyDecorators(
    IsISO8601({ strict: true }),
    ValidateBy(
      { name: 'isChatDateTime', validator: { validate: (value: unknown) => typeof value !== 'string' || isStorableDateTime(value) } },
      { message: '$property must be a date and time such as 2026-05-01T12:00:00Z (years 1 to 9999)' },
    ),
    ApiProperty({ type: String, format: 'date-time' }),
  );
