import { QueryFailedError } from 'typeorm';

/**
 * One line about an unexpected error that is safe to log: the error's class and, for a database error, its SQLSTATE
 * and the constraint or routine involved. Never the message of a database error (PostgreSQL quotes the offending
 * value in it), nor TypeORM's `query` and `parameters` (other users' message bodies, ids and clientIds).
 */
export function describeError(error: unknown): string {
  if (error instanceof QueryFailedError) {
    const driverError = error.driverError as { code?: string; constraint?: string; routine?: string } | undefined;
    const details = [driverError?.code && `SQLSTATE ${driverError.code}`, driverError?.constraint && `constraint ${driverError.constraint}`, driverError?.routine && `in ${driverError.routine}`];
    return `QueryFailedError (${details.filter(Boolean).join(', ') || 'no details'})`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error;
}

/** SQLSTATE class 22: the data itself cannot be stored (an encoding, a length, a range), so the input was at fault. */
export function isDataException(error: unknown): boolean {
  return error instanceof QueryFailedError && /^22/.test(String((error.driverError as { code?: string } | undefined)?.code ?? ''));
}
