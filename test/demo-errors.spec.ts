import { errorText } from '../src/demo/client/errors';

/**
 * The demo client's plain words for the error codes of moderation, blocks, guests and server bans
 * (src/demo/client/errors.ts). Both transports reach it as an Error carrying `status`, `code` and
 * `retryAfterSeconds`: the client's ApiError for HTTP answers (api.ts, which needs the DOM types, so it is not
 * imported here) and the rejection of a socket send built from the acknowledgement (realtime.ts).
 */
describe(errorText.name, () => {
  const coded = (status: number, code: string, retryAfterSeconds?: number) => Object.assign(new Error(`server says ${code}`), { status, code, retryAfterSeconds });
  const http = coded;
  const ack = (code: string, retryAfterSeconds?: number) => coded(code === 'SLOW_MODE' ? 429 : 403, code, retryAfterSeconds);

  it.each([
    ['SILENCED', 'You cannot send messages here for now: a moderator has made you read-only in this room.'],
    ['ROOM_FROZEN', 'This room is frozen: only its owner and admins can send messages.'],
    ['BANNED', 'You are banned from this room.'],
    ['BLOCKED', 'This person has blocked you.'],
    ['GUEST_NOT_ALLOWED', 'Guests cannot do that: create an account to use it.'],
    ['USER_BANNED', 'Your account is banned from this server.'],
  ])('says what %s means to the viewer, on both transports', (code, words) => {
    expect(errorText(http(403, code))).toBe(words);
    expect(errorText(ack(code))).toBe(words);
  });

  it('says it about the other person where the refusal is about them', () => {
    expect(errorText(http(403, 'BANNED'), 'them')).toBe('This person is banned from this room: lift the ban first.');
    expect(errorText(http(403, 'BLOCKED'), 'them')).toBe('This person has blocked you, so you cannot add them.');
    expect(errorText(http(403, 'GUEST_NOT_ALLOWED'), 'them')).toBe('Guests cannot be added to this room: it does not allow guests.');
  });

  it('gives the wait of slow mode and of the rate limit, in seconds or minutes', () => {
    expect(errorText(ack('SLOW_MODE', 1))).toBe('Slow mode is on: you can send again in 1 second.');
    expect(errorText(http(429, 'SLOW_MODE', 25))).toBe('Slow mode is on: you can send again in 25 seconds.');
    expect(errorText(http(429, 'SLOW_MODE', 600))).toBe('Slow mode is on: you can send again in 10 minutes.');
    expect(errorText(http(429, 'SLOW_MODE'))).toBe('Slow mode is on: wait a moment before you send again.');
    expect(errorText(http(429, 'RATE_LIMITED', 3))).toBe('Too many requests: try again in 3 seconds.');
  });

  it("never shows the browser's own network error (fetch's TypeError, \"Failed to fetch\")", () => {
    expect(errorText(new TypeError('Failed to fetch'))).toBe('The server cannot be reached: check your connection and try again.');
    expect(errorText(new TypeError('NetworkError when attempting to fetch resource.'))).not.toMatch(/fetch/i);
  });

  it("keeps the server's message for other codes, and the text of anything that is not an Error", () => {
    expect(errorText(http(404, 'ROOM_NOT_FOUND'))).toBe('server says ROOM_NOT_FOUND');
    expect(errorText(new Error('The server did not answer'))).toBe('The server did not answer');
    expect(errorText('offline')).toBe('offline');
  });
});
