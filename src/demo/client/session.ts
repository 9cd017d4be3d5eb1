// The signed-in session of the demo: the access token, renewed with the refresh token before it expires.
import type { Account, AuthResponse } from './types';

/** sessionStorage: this tab's user and access token (two tabs may be two different users). */
const TAB_KEY = 'parley.session';
/** localStorage: the local account that signed in last, so that a new tab (or a reopened one) continues as them. */
const LAST_USER_KEY = 'parley.lastUser';
/** localStorage: a local account's refresh token. Shared by the user's tabs, which take turns to renew (see `renew`). */
const refreshKey = (userId: string) => `parley.refresh.${userId}`;

/** The access token is renewed when this share of its life has passed. */
const RENEW_AT = 0.8;
/** After a renewal that could not reach the server, the next try comes this much later (or when the page is online). */
const RETRY_MS = 5000;

/**
 * What a renewal came to: a new access token; refused for good (no refresh token, or the server refused it: the
 * person has to log in again); or the server could not be reached (offline, 5xx, 429: try again later).
 */
export type Renewal = 'renewed' | 'refused' | 'unreachable';

/** What the API and the socket need from the session: the token to send, and a way to get a new one. */
export interface Credentials {
  readonly token: string;
  /** A new access token from the refresh token (one renewal at a time, shared by every caller). */
  renew(): Promise<Renewal>;
}

interface TabSession {
  token: string;
  user: Account;
  /** Epoch milliseconds the access token expires at, by this browser's clock (from `expiresIn`). */
  expiresAt?: number;
  /** When to renew it (RENEW_AT of its life). */
  renewAt?: number;
}

function readJson<T>(storage: Storage, key: string): T | null {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

/** The `exp` claim of a JWT in epoch milliseconds, read without verifying (the server does that); null if none. */
function tokenExpiry(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * A signed-in user and their access token. A local account's session renews the token at 80% of its life with
 * the refresh token (`POST /auth/refresh`), and when a request is refused with 401; the new token replaces the old
 * one in place, so the open room, its draft and the socket carry on. Guests have no refresh token: their session
 * ends with their token.
 */
export class Session implements Credentials {
  private renewal: Promise<Renewal> | null = null;
  private timer: number | undefined;
  private closed = false;
  private readonly refusedListeners = new Set<() => void>();

  private constructor(private state: TabSession) {}

  get token(): string {
    return this.state.token;
  }

  get user(): Account {
    return this.state.user;
  }

  /** After log-in, registration or joining as a guest. */
  static signIn(auth: AuthResponse): Session {
    const session = new Session({ token: auth.accessToken, user: auth.user });
    session.accept(auth);
    return session;
  }

  /**
   * The session this tab had, or the one of the user who signed in last in this browser (a new tab, a reopened
   * page), renewed first when its access token is gone or about to go. Null: nobody is signed in.
   */
  static async restore(): Promise<Session | null> {
    const tab = readJson<TabSession>(sessionStorage, TAB_KEY);
    const user = tab?.user ?? readJson<Account>(localStorage, LAST_USER_KEY);
    if (!user?.id) return null;
    const session = new Session(tab?.token ? tab : { token: '', user });
    const expiresAt = session.state.expiresAt ?? (session.token ? tokenExpiry(session.token) : null) ?? Infinity;
    if (session.token && expiresAt - Date.now() > RETRY_MS && Date.now() < (session.state.renewAt ?? Infinity)) {
      session.schedule();
      return session;
    }
    if ((await session.renew()) === 'renewed') return session;
    // A token that still works (the server is unreachable for now) is better than no session.
    return session.token && expiresAt > Date.now() ? session : null;
  }

  /** Called once the server refused the refresh token for good (the person has to log in again). */
  onRefused(listener: () => void): () => void {
    this.refusedListeners.add(listener);
    return () => this.refusedListeners.delete(listener);
  }

  renew(): Promise<Renewal> {
    this.renewal ??= this.exchange().finally(() => (this.renewal = null));
    return this.renewal;
  }

  /** Stops renewing (the app is closing: logged out, or logged out by the server). */
  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    window.removeEventListener('online', this.online);
    sessionStorage.removeItem(TAB_KEY);
  }

  /** Logs out: the server revokes the refresh token's family, and this browser forgets it. */
  async logout(): Promise<void> {
    this.close();
    const refreshToken = localStorage.getItem(refreshKey(this.user.id));
    localStorage.removeItem(refreshKey(this.user.id));
    if (readJson<Account>(localStorage, LAST_USER_KEY)?.id === this.user.id) localStorage.removeItem(LAST_USER_KEY);
    if (!refreshToken) return;
    try {
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    } catch {
      // Offline: the refresh token is forgotten here all the same, and expires on the server.
    }
  }

  /**
   * One `POST /auth/refresh`. The user's tabs share the refresh token and each use of it consumes it, so they take
   * turns through a Web Lock and each reads the token when its turn comes: the one another tab left, never a used one
   * (which the server would take for a stolen copy and answer by revoking the session).
   */
  private async exchange(): Promise<Renewal> {
    const userId = this.user.id;
    const run = async (): Promise<Renewal> => {
      const refreshToken = localStorage.getItem(refreshKey(userId));
      if (!refreshToken || this.closed) return 'refused';
      let response: Response;
      try {
        response = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
      } catch {
        return 'unreachable';
      }
      if (response.ok) {
        const auth = (await response.json()) as AuthResponse;
        if (auth.user.id !== userId) return 'refused';
        this.accept(auth);
        return 'renewed';
      }
      if (response.status === 429 || response.status >= 500) return 'unreachable';
      // Refused (401 INVALID_REFRESH_TOKEN, 403 when local accounts are off): forgotten, unless another tab has
      // stored a newer one meanwhile.
      if (localStorage.getItem(refreshKey(userId)) === refreshToken) localStorage.removeItem(refreshKey(userId));
      return 'refused';
    };
    const outcome = navigator.locks ? await navigator.locks.request(`parley.refresh.${userId}`, run) : await run();
    if (outcome === 'unreachable') this.retryLater();
    if (outcome === 'refused' && !this.closed) for (const listener of this.refusedListeners) listener();
    return outcome;
  }

  /** Takes an auth answer: the new access token now, the refresh token for this browser, the next renewal planned. */
  private accept(auth: AuthResponse): void {
    if (this.closed) return;
    const now = Date.now();
    this.state = {
      token: auth.accessToken,
      user: auth.user,
      ...(auth.expiresIn !== undefined && { expiresAt: now + auth.expiresIn * 1000, renewAt: now + auth.expiresIn * 1000 * RENEW_AT }),
    };
    sessionStorage.setItem(TAB_KEY, JSON.stringify(this.state));
    if (auth.refreshToken) {
      localStorage.setItem(refreshKey(auth.user.id), auth.refreshToken);
      localStorage.setItem(LAST_USER_KEY, JSON.stringify(auth.user));
    }
    this.schedule();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    if (this.closed || this.state.renewAt === undefined || !localStorage.getItem(refreshKey(this.user.id))) return;
    this.timer = window.setTimeout(() => void this.renew(), Math.max(0, this.state.renewAt - Date.now()));
  }

  /** The server could not be reached: again in a moment, or as soon as the browser is online. */
  private retryLater(): void {
    if (this.closed) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.renew(), RETRY_MS);
    window.addEventListener('online', this.online, { once: true });
  }

  private readonly online = (): void => {
    if (!this.closed) void this.renew();
  };
}
