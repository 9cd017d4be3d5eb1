// Entry point of the demo web client (bundled by scripts/build-demo.js into dist/demo/app.js).
import { ChatApp } from './app';
import { replace } from './dom';
import { loginView } from './login';
import { Outbox } from './outbox';
import { Session } from './session';
import type { AuthResponse } from './types';

const root = document.getElementById('app')!;
/** Opened once for the page: every session of this tab uses it. */
const outbox = Outbox.open();

/**
 * The sign-in screen. After a log-out the address is reset; after a session that ended by itself (`notice`) it
 * stays, so that logging in again reopens the room that was open (its draft is kept too).
 */
function showLogin(notice?: string): void {
  if (notice === undefined && location.hash) history.replaceState(null, '', location.pathname);
  document.title = 'Parley';
  replace(root, loginView(signedIn, notice));
}

function signedIn(auth: AuthResponse): void {
  void showApp(Session.signIn(auth));
}

async function showApp(session: Session): Promise<void> {
  const app = new ChatApp(session, await outbox, showLogin);
  replace(root, app.element);
  void app.start();
}

void Session.restore().then((session) => (session ? showApp(session) : showLogin()));
