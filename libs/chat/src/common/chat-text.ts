import { Injectable, Param, applyDecorators, type PipeTransform } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, ValidateBy, ValidateIf, buildMessage } from 'class-validator';
import { ChatError } from './chat-error';

/**
 * The control characters no text of the chat may hold: C0 (U+0000 to U+001F) except tab, line feed and carriage
 * return (the line ends of pasted text), and DEL (U+007F). PostgreSQL refuses NUL outright; the others are
 * invisible, and terminals and log viewers act on them.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The same rule as a JSON Schema pattern, for the OpenAPI document. */
export const CHAT_TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

export const hasControlCharacter = (text: string): boolean => CONTROL_CHARACTER.test(text);

/** `text` without its control characters (for display names the chat receives from tokens, not from clients). */
export const withoutControlCharacters = (text: string): string => text.replace(new RegExp(CONTROL_CHARACTER.source, 'g'), '');

/**
 * Length as PostgreSQL counts it for `varchar(n)` and `text`: in code points. JavaScript's `length` (and
 * validator.js, whose `isLength` leaves out variation selectors such as U+FE0F) counts otherwise, so "❤️" is 2 here
 * and 1 there. A string no longer than `max` in UTF-16 units cannot be longer in code points, which spares the count.
 */
export function codePointLength(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

const CONTROL_MESSAGE = 'must not contain control characters (U+0000 to U+001F other than tab and line breaks, or U+007F)';

/** Whether `text` has `min`..`max` code points (counted only when its UTF-16 length leaves a doubt). */
function hasLength(text: string, min: number, max: number): boolean {
  if (text.length < min) return false;
  if (text.length <= max && min <= 1) return true;
  const length = codePointLength(text);
  return length >= min && length <= max;
}

const lengthMessage = (min: number, max: number): string => (min > 0 ? `must be between ${min} and ${max} characters long` : `must be at most ${max} characters long`);

/** What is wrong with a text of `min`..`max` code points, or null: the same rule as IsChatText, for pipes. */
export function chatTextProblem(name: string, value: string, { min = 0, max }: { min?: number; max: number }): string | null {
  if (hasControlCharacter(value)) return `${name} ${CONTROL_MESSAGE}`;
  if (!hasLength(value, min, max)) return `${name} ${lengthMessage(min, max)}`;
  return null;
}

export interface ChatTextOptions {
  /** Fewest characters (code points); default 0. */
  min?: number;
  /** Most characters (code points): the column's length, or the field's own limit. */
  max: number;
  /** A list of texts, each checked. */
  each?: boolean;
  /** The field may be left out; `null` is still refused (it is not a text). */
  optional?: boolean;
}

/**
 * A text field or id of a DTO (HTTP bodies and queries, and socket payloads through validatePayload): a string of
 * `min`..`max` characters counted the way PostgreSQL counts them, without control characters (see
 * CONTROL_CHARACTER). The OpenAPI schema (minLength, maxLength, pattern) comes from the same options, so the
 * document and the validation cannot drift; an `@ApiProperty` placed above it may still override what it shows.
 */
export function IsChatText(options: ChatTextOptions): PropertyDecorator {
  const { min = 0, max, each = false, optional = false } = options;
  return applyDecorators(
    ...(optional ? [IsOptionalNonNull()] : []),
    IsString({ each }),
    ValidateBy(
      { name: 'isChatTextWithoutControls', validator: { validate: (value: unknown) => typeof value !== 'string' || !hasControlCharacter(value) } },
      { each, message: buildMessage((prefix) => `${prefix}$property ${CONTROL_MESSAGE}`, { each }) },
    ),
    ValidateBy(
      { name: 'isChatTextLength', constraints: [min, max], validator: { validate: (value: unknown) => typeof value !== 'string' || hasLength(value, min, max) } },
      { each, message: buildMessage((prefix) => `${prefix}$property ${lengthMessage(min, max)}`, { each }) },
    ),
    ApiProperty({ ...(min > 0 && { minLength: min }), maxLength: max, pattern: CHAT_TEXT_PATTERN, ...(optional && { required: false }) }),
  );
}

/**
 * A path parameter that is free text or a user id (`userId`, `emoji`): 400 when it holds control characters or is
 * longer than `max`, before any query sees it. Room, message and image ids use ParseIdPipe (not a UUID: 404).
 * `invalidReaction` answers with the reactions' own code and wording ("Invalid reaction: ...").
 */
@Injectable()
export class ParseChatTextPipe implements PipeTransform<string, string> {
  constructor(
    private readonly name: string,
    private readonly max: number,
    private readonly invalidReaction = false,
  ) {}

  transform(value: string): string {
    const problem = typeof value === 'string' ? chatTextProblem(this.name, value, { min: 1, max: this.max }) : `${this.name} is required`;
    if (!problem) return value;
    throw this.invalidReaction ? new ChatError('INVALID_REACTION', `Invalid reaction: ${problem}`) : new ChatError('INVALID_INPUT', problem);
  }
}

/** `@TextParam('userId', 255) userId: string`: a path parameter checked by ParseChatTextPipe. */
export const TextParam = (name: string, max: number): ParameterDecorator => Param(name, new ParseChatTextPipe(name, max));

/** `@ReactionParam() emoji: string`: the emoji of a reaction route (the column holds 64 characters). */
export const ReactionParam = (): ParameterDecorator => Param('emoji', new ParseChatTextPipe('emoji', 64, true));

/**
 * `@IsOptional()` for a field that may be left out but is never null (class-validator's IsOptional lets null
 * through, and a NOT NULL column then fails with a 500): absent skips the field's rules, null meets them and fails.
 */
export const IsOptionalNonNull = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);
