// What the API's error codes mean, in plain words for the person using the demo.

/** An error of the API (HTTP body or socket ack): its status, message, `code` and, for waits, `retryAfterSeconds`. */
export interface CodedError {
  status?: number;
  code?: string;
  retryAfterSeconds?: number;
}

const seconds = (n: number): string => (n >= 120 ? `${Math.ceil(n / 60)} minutes` : `${n} second${n === 1 ? '' : 's'}`);

/**
 * Plain words for an error. `about` says whose state a refusal describes: the viewer's own (sending, joining) or
 * another person's (adding, banning someone), as BANNED and BLOCKED read differently then.
 */
export function errorText(error: unknown, about: 'me' | 'them' = 'me'): string {
  if (!(error instanceof Error)) return String(error);
  // fetch fails with a TypeError when there is no connection ("Failed to fetch" in Chromium, other words elsewhere).
  if (error instanceof TypeError) return 'The server cannot be reached: check your connection and try again.';
  const { code, retryAfterSeconds } = error as Error & CodedError;
  switch (code) {
    case 'SILENCED':
      return 'You cannot send messages here for now: a moderator has made you read-only in this room.';
    case 'SLOW_MODE':
      return retryAfterSeconds !== undefined ? `Slow mode is on: you can send again in ${seconds(retryAfterSeconds)}.` : 'Slow mode is on: wait a moment before you send again.';
    case 'ROOM_FROZEN':
      return 'This room is frozen: only its owner and admins can send messages.';
    case 'BANNED':
      return about === 'me' ? 'You are banned from this room.' : 'This person is banned from this room: lift the ban first.';
    case 'BLOCKED':
      return about === 'me' ? 'This person has blocked you.' : 'This person has blocked you, so you cannot add them.';
    case 'GUEST_NOT_ALLOWED':
      return about === 'me' ? 'Guests cannot do that: create an account to use it.' : 'Guests cannot be added to this room: it does not allow guests.';
    case 'USER_BANNED':
      return 'Your account is banned from this server.';
    case 'RATE_LIMITED':
      return retryAfterSeconds !== undefined ? `Too many requests: try again in ${seconds(retryAfterSeconds)}.` : error.message;
    default:
      return error.message;
  }
}
