import type { Account, AuthResponse, Changes, Device, Image, Member, Message, NotificationLevel, NotificationsConfig, Page, Room } from './types';

const AUTH = '/api/v1/auth';
const CHAT = '/api/v1/chat';

/** An error answer of the API: the status and Nest's message (joined when it is a list). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function failure(response: Response): Promise<ApiError> {
  let message = response.statusText || `Request failed (${response.status})`;
  try {
    const body = (await response.json()) as { message?: string | string[] };
    if (Array.isArray(body.message)) message = body.message.join('; ');
    else if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON
  }
  return new ApiError(response.status, message);
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Local accounts: no token needed. */
export async function authenticate(mode: 'register' | 'token', username: string, password: string): Promise<AuthResponse> {
  const response = await fetch(`${AUTH}/${mode}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as AuthResponse;
}

/** The REST routes with the bearer token. A 401 calls `onUnauthorized` (the session is over). */
export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, { method, headers, body: payload });
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) throw await failure(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** The bytes of an image the caller may see (image URLs need the token, so <img> cannot load them itself). */
  async blob(path: string): Promise<Blob> {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw await failure(response);
    return response.blob();
  }

  searchUsers(q: string): Promise<Page<Account>> {
    return this.request('GET', `${AUTH}/users${query({ q, limit: 10 })}`);
  }

  rooms(scope: 'mine' | 'public', cursor?: string | null): Promise<Page<Room>> {
    return this.request('GET', `${CHAT}/rooms${query({ scope, cursor, limit: 100 })}`);
  }

  room(roomId: string): Promise<Room> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}`);
  }

  createRoom(body: { type: 'group' | 'direct'; title?: string; description?: string; isPublic?: boolean; memberIds: string[] }): Promise<Room> {
    return this.request('POST', `${CHAT}/rooms`, body);
  }

  join(roomId: string): Promise<Room> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/join`);
  }

  leave(roomId: string): Promise<void> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/leave`);
  }

  mute(roomId: string, muted: boolean): Promise<Room> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/${muted ? 'mute' : 'unmute'}`);
  }

  /** `{ level, mutedUntil }` of the caller in the room; answers the Room. */
  setNotifications(roomId: string, level: NotificationLevel, mutedUntil: string | null): Promise<Room> {
    return this.request('PUT', `${CHAT}/rooms/${enc(roomId)}/notifications`, { level, mutedUntil });
  }

  notificationsConfig(): Promise<NotificationsConfig> {
    return this.request('GET', `${CHAT}/notifications/config`);
  }

  /** Registers this browser's Web Push subscription (200 with the same device when it is known already). */
  registerWebPush(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<Device> {
    return this.request('POST', `${CHAT}/devices`, { platform: 'webpush', subscription });
  }

  removeDevice(deviceId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/devices/${enc(deviceId)}`);
  }

  /** One page of the changes after `since`; `cursor` is the previous page's `nextCursor`. */
  changes(roomId: string, since: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Changes> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/changes${query({ since, cursor: options.cursor, limit: options.limit })}`);
  }

  members(roomId: string, cursor?: string | null): Promise<Page<Member>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/members${query({ cursor, limit: 100 })}`);
  }

  messages(roomId: string, options: { cursor?: string | null; parentId?: string; limit?: number } = {}): Promise<Page<Message>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/messages${query({ cursor: options.cursor, parentId: options.parentId, limit: options.limit ?? 30 })}`);
  }

  send(roomId: string, body: { body?: string; parentId?: string; imageIds?: string[]; mentions?: string[]; clientId: string }): Promise<Message> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/messages`, body);
  }

  edit(roomId: string, messageId: string, body: string, mentions?: string[]): Promise<Message> {
    return this.request('PATCH', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}`, { body, ...(mentions && { mentions }) });
  }

  remove(roomId: string, messageId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}`);
  }

  react(roomId: string, messageId: string, emoji: string, on: boolean): Promise<Message> {
    return this.request(on ? 'PUT' : 'DELETE', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`);
  }

  markRead(roomId: string, seq: number): Promise<unknown> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/read`, { seq });
  }

  upload(file: File): Promise<Image> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.request('POST', `${CHAT}/images`, form);
  }
}
