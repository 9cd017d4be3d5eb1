import { ChatError } from '../common/chat-error';

export const imageNotFound = (): ChatError => new ChatError('IMAGE_NOT_FOUND', 'Image not found');

/** Somebody else's image and a missing one get the same answer, so ids cannot be probed. */
export const notYourImages = (): ChatError => new ChatError('INVALID_INPUT', 'imageIds must name images you uploaded');
