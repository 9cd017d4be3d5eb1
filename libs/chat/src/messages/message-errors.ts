import { ChatError } from '../common/chat-error';

export const messageNotFound = (): ChatError => new ChatError('MESSAGE_NOT_FOUND', 'Message not found');
