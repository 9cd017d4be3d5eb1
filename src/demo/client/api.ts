import type { Credentials } from './session';
import type { Account, AuditEntry, AuthResponse, Ban, Block, Changes, Device, GuestAuthResponse, Image, Member, Message, NotificationLevel, NotificationsConfig, Page, Report, Room } from './types';

const AUTH = '/api/v1/auth';
const CHAT = '/api/v1/chat';

/** An error answer of the API: the status, Nest's message (joined when it is a list), the `code` and any wait. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

async function failure(response: Response): Promise<ApiError> {
  let message = response.statusText || `Request failed (${response.status})`;
  let code: string | undefined;
  // HTTP says how long to wait in `Retry-After` (seconds); socket acks and some bodies in `retryAfterSeconds`.
  const header = Number(response.headers.get('retry-after') ?? Number.NaN);
  let retryAfterSeconds: number | undefined = Number.isFinite(header) && header >= 0 ? header : undefined;
  try {
    const body = (await response.json()) as { message?: string | string[]; code?: unknown; retryAfterSeconds?: unknown };
    if (Array.isArray(body.message)) message = body.message.join('; ');
    else if (typeof body.message === 'string') message = body.message;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.retryAfterSeconds === 'number') retryAfterSeconds = body.retryAfterSeconds;
  } catch {
    // not JSON
  }
  return new ApiError(response.status, message, code, retryAfterSeconds);
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

/** A guest session of the standalone server: no password, only the name shown to others. */
export async function joinAsGuest(name: string): Promise<AuthResponse> {
  const response = await fetch(`${AUTH}/guest`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
  if (!response.ok) throw await failure(response);
  const { accessToken, user } = (await response.json()) as GuestAuthResponse;
  return { accessToken, user: { id: user.id, username: user.name, guest: true } };
}

/**
 * The REST routes with the bearer token. A 401 renews the access token once (the refresh token) and repeats the
 * request with the new one; when the session cannot be renewed, `onUnauthorized` is called (the session is over),
 * and so it is for a 403 `USER_BANNED` (the account is banned from the server: every request is refused), with
 * that error.
 */
export class Api {
  constructor(
    private readonly credentials: Credentials,
    private readonly onUnauthorized: (error?: ApiError) => void,
  ) {}

  /**
   * `fetch` with the current token; a 401 renews it and tries once more (at once if another request renewed it
   * meanwhile). A renewal refused for good leaves the 401; one that could not reach the server fails like the
   * network (a TypeError, as `fetch` does), so the caller can try again later.
   */
  private async authorized(path: string, init: RequestInit = {}): Promise<Response> {
    const attempt = (token: string) => fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } });
    const token = this.credentials.token;
    const response = await attempt(token);
    if (response.status !== 401) return response;
    if (this.credentials.token === token) {
      const renewal = await this.credentials.renew();
      if (renewal === 'refused') return response;
      if (renewal === 'unreachable') throw new TypeError('The server cannot be reached to renew the session');
    }
    return attempt(this.credentials.token);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await this.authorized(path, { method, headers, body: payload });
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) {
      const error = await failure(response);
      if (error.code === 'USER_BANNED') this.onUnauthorized(error);
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** The bytes of an image the caller may see (image URLs need the token, so <img> cannot load them itself). */
  async blob(path: string): Promise<Blob> {
    const response = await this.authorized(path);
    if (!response.ok) throw await failure(response);
    return response.blob();
  }

  searchUsers(q: string): Promise<Page<Account>> {
    return this.request('GET', `${AUTH}/users${query({ q, limit: 10 })}`);
  }

  rooms(scope: 'mine' | 'public', cursor?: string | null, limit = 100): Promise<Page<Room>> {
    return this.request('GET', `${CHAT}/rooms${query({ scope, cursor, limit })}`);
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

  message(roomId: string, messageId: string): Promise<Message> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}`);
  }

  // ---- room settings and members (owner/admins) -------------------------------------------------------------

  updateRoom(
    roomId: string,
    body: Partial<{ title: string; description: string; isPublic: boolean; allowGuests: boolean; slowModeSeconds: number; frozen: boolean }>,
  ): Promise<Room> {
    return this.request('PATCH', `${CHAT}/rooms/${enc(roomId)}`, body);
  }

  deleteRoom(roomId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/rooms/${enc(roomId)}`);
  }

  addMember(roomId: string, userId: string): Promise<Member> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/members`, { userId });
  }

  /** A member's role (owner only) or read-only time (`silencedUntil`, null lifts it). */
  updateMember(roomId: string, userId: string, body: { role?: 'owner' | 'admin' | 'member'; silencedUntil?: string | null }): Promise<Member> {
    return this.request('PATCH', `${CHAT}/rooms/${enc(roomId)}/members/${enc(userId)}`, body);
  }

  removeMember(roomId: string, userId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/rooms/${enc(roomId)}/members/${enc(userId)}`);
  }

  bans(roomId: string, cursor?: string | null): Promise<Page<Ban>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/bans${query({ cursor, limit: 100 })}`);
  }

  ban(roomId: string, userId: string, body: { reason?: string; until?: string }): Promise<Ban> {
    return this.request('PUT', `${CHAT}/rooms/${enc(roomId)}/bans/${enc(userId)}`, body);
  }

  unban(roomId: string, userId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/rooms/${enc(roomId)}/bans/${enc(userId)}`);
  }

  // ---- pins and search ------------------------------------------------------------------------------------------

  /** Pins or unpins a message (owner/admins); answers the message. */
  pin(roomId: string, messageId: string, on: boolean): Promise<Message> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}/${on ? 'pin' : 'unpin'}`);
  }

  /** The room's pinned messages, most recently pinned first. */
  pins(roomId: string, cursor?: string | null): Promise<Page<Message>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/pins${query({ cursor, limit: 50 })}`);
  }

  /** Messages of the room whose text contains `q` (case-insensitive), newest first. */
  searchMessages(roomId: string, q: string, cursor?: string | null): Promise<Page<Message>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/messages${query({ q, cursor, limit: 30 })}`);
  }

  // ---- reports ------------------------------------------------------------------------------------------------

  report(roomId: string, messageId: string, reason: string): Promise<Report> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/messages/${enc(messageId)}/reports`, { reason });
  }

  /** The room's open reports (owner/admins). */
  reports(roomId: string, cursor?: string | null): Promise<Page<Report>> {
    return this.request('GET', `${CHAT}/rooms/${enc(roomId)}/reports${query({ cursor, limit: 100 })}`);
  }

  resolveReport(roomId: string, reportId: string): Promise<unknown> {
    return this.request('POST', `${CHAT}/rooms/${enc(roomId)}/reports/${enc(reportId)}/resolve`);
  }

  // ---- blocks -------------------------------------------------------------------------------------------------

  blocks(): Promise<{ items: Block[] }> {
    return this.request('GET', `${CHAT}/blocks`);
  }

  block(userId: string, on: boolean): Promise<unknown> {
    return this.request(on ? 'PUT' : 'DELETE', `${CHAT}/blocks/${enc(userId)}`);
  }

  // ---- server administration (404 for everybody but administrators) -------------------------------------------

  adminAudit(limit: number, cursor?: string | null): Promise<Page<AuditEntry>> {
    return this.request('GET', `${CHAT}/admin/audit${query({ limit, cursor })}`);
  }

  adminRooms(q: string, cursor?: string | null): Promise<Page<Room>> {
    return this.request('GET', `${CHAT}/admin/rooms${query({ q, cursor, limit: 50 })}`);
  }

  adminRoom(roomId: string): Promise<Room> {
    return this.request('GET', `${CHAT}/admin/rooms/${enc(roomId)}`);
  }

  adminDeleteRoom(roomId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/admin/rooms/${enc(roomId)}`);
  }

  adminDeleteMessage(messageId: string): Promise<void> {
    return this.request('DELETE', `${CHAT}/admin/messages/${enc(messageId)}`);
  }

  adminReports(cursor?: string | null): Promise<Page<Report>> {
    return this.request('GET', `${CHAT}/admin/reports${query({ cursor, limit: 50 })}`);
  }

  adminResolveReport(reportId: string): Promise<unknown> {
    return this.request('POST', `${CHAT}/admin/reports/${enc(reportId)}/resolve`);
  }

  /** A server-wide ban (`on`), or lifting it. */
  adminBanUser(userId: string, on: boolean, body: { reason?: string; until?: string } = {}): Promise<unknown> {
    return on ? this.request('PUT', `${CHAT}/admin/users/${enc(userId)}/ban`, body) : this.request('DELETE', `${CHAT}/admin/users/${enc(userId)}/ban`);
  }
}
