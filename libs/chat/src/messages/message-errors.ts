import { ChatError } from '../common/chat-error';

export const messageNotFound = (): ChatError => new ChatError('MESSAGE_NOT_FOUND', 'Message not found');

export const invalidMention = (): ChatError => new ChatError('INVALID_MENTION', 'mentions must name members of the room');
