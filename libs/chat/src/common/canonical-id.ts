import { Injectable, Param, applyDecorators, type PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';
import { ChatError, type ChatErrorCode } from './chat-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The kinds of id the chat stores as UUIDs, with the 404 each one answers when a path names none. */
const NOT_FOUND = {
  room: ['ROOM_NOT_FOUND', 'Room not found'],
  message: ['MESSAGE_NOT_FOUND', 'Message not found'],
  image: ['IMAGE_NOT_FOUND', 'Image not found'],
  device: ['DEVICE_NOT_FOUND', 'Device not found'],
  report: ['REPORT_NOT_FOUND', 'Report not found'],
} as const satisfies Record<string, readonly [ChatErrorCode, string]>;

export type IdKind = keyof typeof NOT_FOUND;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * An id from a path in its stored form (lower case). Ids are accepted in any case and compared as stored, so
 * that socket channels, events and answers always carry one spelling; a path naming no UUID is 404 like a
 * missing one.
 */
export function canonicalId(kind: IdKind, value: string | undefined): string {
  if (!isUuid(value)) {
    const [code, message] = NOT_FOUND[kind];
    throw new ChatError(code, message);
  }
  return value.toLowerCase();
}

/** `@Param('roomId', new ParseIdPipe('room'))`: the path's id in its stored form, or 404. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  constructor(private readonly kind: IdKind) {}

  transform(value: string): string {
    return canonicalId(this.kind, value);
  }
}

/** A path parameter that is an id of `kind`, canonical: `@IdParam('roomId', 'room') roomId: string`. */
export const IdParam = (name: string, kind: IdKind): ParameterDecorator => Param(name, new ParseIdPipe(kind));

const lowerCase = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/**
 * A body or query field holding an id (or, with `each`, a list of ids): a UUID in any case, kept in its stored
 * lower-case form, so services and events only ever see that one spelling. Anything else is 400.
 */
export const IsChatId = (options: { each?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(lowerCase) : lowerCase(value))),
    IsUUID('all', { each: options.each }),
  );
