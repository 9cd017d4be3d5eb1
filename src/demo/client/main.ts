// Entry point of the demo web client (bundled by scripts/build-demo.js into dist/demo/app.js).
import { ChatApp } from './app';
import { replace } from './dom';
import { loginView } from './login';
import type { Account, AuthResponse } from './types';

const SESSION_KEY = 'parley.session';

interface Session {
  token: string;
  user: Account;
}

/** The stored session, unless its token has expired (the `exp` claim, read without verifying: the server does that). */
function storedSession(): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    if (!session?.token || !session.user?.id) return null;
    const payload = JSON.parse(atob(session.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

const root = document.getElementById('app')!;

function showLogin(notice?: string): void {
  sessionStorage.removeItem(SESSION_KEY);
  if (location.hash) history.replaceState(null, '', location.pathname);
  document.title = 'Parley';
  replace(root, loginView(signedIn, notice));
}

function signedIn(auth: AuthResponse): void {
  const session: Session = { token: auth.accessToken, user: auth.user };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  showApp(session);
}

function showApp(session: Session): void {
  const app = new ChatApp(session.token, session.user, showLogin);
  replace(root, app.element);
  void app.start();
}

const session = storedSession();
if (session) showApp(session);
else showLogin();
