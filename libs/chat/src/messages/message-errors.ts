import type { MessageType } from './entities/message.entity';
import { ChatError } from '../common/chat-error';

export const messageNotFound = (): ChatError => new ChatError('MESSAGE_NOT_FOUND', 'Message not found');

export const invalidMention = (): ChatError => new ChatError('INVALID_MENTION', 'mentions must name members of the room');

/**
 * System messages are part of the room's record: nobody edits, deletes, pins, reacts to or replies to them (409,
 * the owner and admins included).
 */
export function requireUserMessage(message: { type: MessageType }, action: string): void {
  if (message.type === 'system') throw new ChatError('CONFLICT', `A system message cannot be ${action}`);
}
