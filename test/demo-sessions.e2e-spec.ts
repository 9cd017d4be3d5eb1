import type { Browser, Page } from 'playwright-core';
import { buildDemoClient, composer, DESKTOP, expectGone, launchBrowser, message, openPerson, PHONE, signIn, watchPage, type Person } from './support/demo-browser';
import { eventually } from './support/sockets';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The demo web client's sessions and outbox in chromium: an access token that expires every few seconds is renewed
 * with the refresh token while a room stays open with its draft; logging out revokes the refresh token; and
 * messages sent offline wait in the outbox (IndexedDB), survive a closed tab, and are delivered once when the
 * connection is back.
 */

// The few browser globals the page functions below use (the tests are compiled without the DOM library).
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const localStorage: { getItem(key: string): string | null };
declare const document: { body: { innerText: string } };
declare const indexedDB: {
  open(name: string): { result: OutboxDatabase; onsuccess: (() => void) | null; onerror: (() => void) | null };
};
interface OutboxDatabase {
  transaction(store: string): { objectStore(store: string): { count(): { result: number; onsuccess: (() => void) | null } } };
  close(): void;
}

/** Access tokens of the short-lived app live this long: the page renews them at 80%, every 3.2 s. */
const TOKEN_TTL_SECONDS = 4;
const suffix = Math.random().toString(36).slice(2, 8);

interface TabSession {
  token: string;
  user: { id: string };
}

const sessionOf = async (page: Page): Promise<TabSession> => JSON.parse((await page.evaluate(() => sessionStorage.getItem('parley.session')))!) as TabSession;

/** The entries in the page's outbox (IndexedDB `parley-outbox`). */
const outboxSize = (page: Page): Promise<number> =>
  page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('parley-outbox');
        open.onerror = () => reject(new Error('no outbox'));
        open.onsuccess = () => {
          const count = open.result.transaction('messages').objectStore('messages').count();
          count.onsuccess = () => {
            resolve(count.result);
            open.result.close();
          };
        };
      }),
  );

describe('demo web client: sessions and the outbox (postgres, chromium)', () => {
  let short: TestApp;
  let normal: TestApp;
  let browser: Browser;
  const people: Person[] = [];

  beforeAll(async () => {
    buildDemoClient();
    [short, normal, browser] = await Promise.all([startTestApp('postgres', { tokenTtlSeconds: TOKEN_TTL_SECONDS }), startTestApp('postgres'), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([short?.close(), normal?.close()]);
  });
  /**
   * What the browser itself logs while a test has it offline or a token expired: a request or a socket's connection
   * attempt that failed (the client retries it), the 401 that makes the client renew its token, and the 503 a test
   * plays for a server whose database is away.
   */
  const EXPECTED_CONSOLE_ERRORS = [
    /Failed to load resource: (net::ERR_INTERNET_DISCONNECTED|the server responded with a status of (401|503))/,
    /WebSocket connection to '.*' failed: .*net::ERR_INTERNET_DISCONNECTED/,
  ];
  afterEach(() => {
    for (const person of people) {
      expect(person.dialogs).toEqual([]);
      expect(person.errors.filter((error) => !EXPECTED_CONSOLE_ERRORS.some((expected) => expected.test(error)))).toEqual([]);
    }
  });

  const open = async (app: TestApp, name: string, viewport = DESKTOP): Promise<Person> => {
    const person = await openPerson(browser, app.url, name, viewport);
    people.push(person);
    return person;
  };

  /** A group room of `owner` with `members`, made through the API; every page opens it from its room list. */
  const groupRoom = async (app: TestApp, title: string, owner: Person, members: Person[]): Promise<string> => {
    const memberIds = await Promise.all(members.map(async (member) => (await sessionOf(member.page)).user.id));
    const { body } = await app
      .http()
      .post('/api/v1/chat/rooms')
      .set('Authorization', `Bearer ${(await sessionOf(owner.page)).token}`)
      .send({ type: 'group', title, memberIds })
      .expect(201);
    for (const person of [owner, ...members]) {
      await person.page.getByRole('link', { name: new RegExp(`^${title}`) }).click();
      await person.page.getByRole('heading', { name: title }).waitFor();
    }
    return body.id as string;
  };

  /** The bodies of a room's top-level messages, oldest first, as `reader` gets them from the API. */
  const bodies = async (app: TestApp, reader: Person, roomId: string): Promise<string[]> => {
    const { body } = await app.http().get(`/api/v1/chat/rooms/${roomId}/messages?limit=100`).set('Authorization', `Bearer ${(await sessionOf(reader.page)).token}`).expect(200);
    return (body.items as Array<{ body: string; type: string }>).filter((m) => m.type === 'user').map((m) => m.body).reverse();
  };

  /**
   * `name` signed up in a page, in a room `title` with a user of the API alone (whose sends the page's socket may
   * miss), the room open and the page online. Answers the page, the room and how the API user posts a message.
   */
  const roomWithApiMember = async (name: string, other: string, title: string) => {
    const person = await open(normal, `${name}_${suffix}`);
    await signIn(person, 'Create account');
    const member = (await normal.http().post('/api/v1/auth/register').send({ username: `${other}_${suffix}`, password: 'correct horse' }).expect(201)).body as {
      accessToken: string;
      user: { id: string };
    };
    const room = (
      await normal
        .http()
        .post('/api/v1/chat/rooms')
        .set('Authorization', `Bearer ${(await sessionOf(person.page)).token}`)
        .send({ type: 'group', title, memberIds: [member.user.id] })
        .expect(201)
    ).body as { id: string };
    await person.page.getByRole('link', { name: new RegExp(`^${title}`) }).click();
    await person.page.getByRole('heading', { name: title }).waitFor();
    await person.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    const post = (body: string) => normal.http().post(`/api/v1/chat/rooms/${room.id}/messages`).set('Authorization', `Bearer ${member.accessToken}`).send({ body }).expect(201);
    return { person, room, post };
  };

  it('renews an expiring access token in place: the open room, its draft and later sends carry on, without the login form', async () => {
    const ann = await open(short, `ann_${suffix}`);
    const bob = await open(short, `bob_${suffix}`, PHONE);
    await signIn(ann, 'Create account');
    await signIn(bob, 'Create account');
    const refreshes: number[] = [];
    ann.page.on('response', (response) => {
      if (response.url().endsWith('/api/v1/auth/refresh')) refreshes.push(response.status());
    });
    const title = `Night shift ${suffix}`;
    const roomId = await groupRoom(short, title, ann, [bob]);
    const firstToken = (await sessionOf(ann.page)).token;

    // Ann starts a message and leaves it; meanwhile her first token expires (and the one after it).
    await composer(ann.page).fill('Half-written when the token expired');
    await composer(bob.page).fill('Bob keeps typing too');
    await eventually(async () => {
      await short.http().get('/api/v1/chat/rooms').set('Authorization', `Bearer ${firstToken}`).expect(401);
      expect(refreshes.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    }, 20_000, 250);
    expect(refreshes.every((status) => status === 200)).toBe(true);

    // Still in the room, with the draft, online again on a socket with the new token; no login form.
    await ann.page.getByRole('heading', { name: title }).waitFor();
    expect(await composer(ann.page).inputValue()).toBe('Half-written when the token expired');
    await ann.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    expect(await ann.page.getByRole('button', { name: 'Log in' }).count()).toBe(0);
    expect((await sessionOf(ann.page)).token).not.toBe(firstToken);

    // Both send what they had typed, and each sees the other's message (sockets and HTTP work with renewed tokens).
    await composer(ann.page).press('Enter');
    await message(bob.page, 'Half-written when the token expired').waitFor();
    await composer(bob.page).press('Enter');
    await message(ann.page, 'Bob keeps typing too')
      .waitFor()
      .catch(async (error: Error) => {
        // What each page shows, so that a failure says whether the send or its arrival went wrong.
        const state = async (person: Person) =>
          JSON.stringify({
            status: await person.page.getByRole('status').allTextContents(),
            bobsMessage: await message(person.page, 'Bob keeps typing too').allTextContents(),
            loginForm: await person.page.getByRole('button', { name: 'Log in' }).count(),
            outbox: await outboxSize(person.page).catch(() => -1),
          });
        throw new Error(`${error.message}\nAnn's page: ${await state(ann)}\nBob's page: ${await state(bob)}\nstored: ${JSON.stringify(await bodies(short, bob, roomId))}`);
      });
    await expectGone(message(ann.page, 'Half-written when the token expired').getByText('Sending…'));
    expect(await bob.page.getByRole('button', { name: 'Log in' }).count()).toBe(0);

    // A request refused with 401 (the page holds an expired token it believes valid) renews once and is repeated:
    // after a reload with that token the room and a draft kept in localStorage come back, still without a log-in.
    await composer(ann.page).fill('A draft that survives the reload');
    await ann.page.addInitScript((token: string) => {
      const session = JSON.parse(sessionStorage.getItem('parley.session')!) as Record<string, unknown>;
      sessionStorage.setItem('parley.session', JSON.stringify({ ...session, token, expiresAt: Date.now() + 3_600_000, renewAt: Date.now() + 3_600_000 }));
    }, firstToken);
    const refusedThenRenewed = ann.page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/refresh') && response.status() === 200);
    const refused = ann.page.waitForResponse((response) => response.url().includes('/api/v1/chat/rooms') && response.status() === 401);
    await ann.page.reload();
    await Promise.all([refused, refusedThenRenewed]);
    await ann.page.getByRole('heading', { name: title }).waitFor();
    await ann.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    expect(await composer(ann.page).inputValue()).toBe('A draft that survives the reload');
    expect(await ann.page.getByRole('button', { name: 'Log in' }).count()).toBe(0);
  }, 120_000);

  it('shows the login form only when the session cannot be renewed, keeping the room and its draft; logging out revokes it', async () => {
    const cleo = await open(short, `cleo_${suffix}`);
    await signIn(cleo, 'Create account');
    const title = `Notes ${suffix}`;
    await groupRoom(short, title, cleo, []);
    await composer(cleo.page).fill('Kept through a second log-in');
    const userId = (await sessionOf(cleo.page)).user.id;
    const refreshTokenOf = () => cleo.page.evaluate((id: string) => localStorage.getItem(`parley.refresh.${id}`), userId);

    // The session is revoked elsewhere: the next renewal is refused, and only then does the login form come back.
    await short.http().post('/api/v1/auth/logout').send({ refreshToken: await refreshTokenOf() }).expect(204);
    await cleo.page.getByText('Your session has expired. Please log in again.').waitFor();
    await signIn(cleo, 'Log in');
    await cleo.page.getByRole('heading', { name: title }).waitFor();
    expect(await composer(cleo.page).inputValue()).toBe('Kept through a second log-in');

    // Log out: the server revokes the refresh token, and a new tab of this browser asks to log in.
    const refreshToken = await refreshTokenOf();
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const logout = cleo.page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/logout'));
    await cleo.page.getByRole('button', { name: 'Log out' }).click();
    expect((await logout).status()).toBe(204);
    await cleo.page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await refreshTokenOf()).toBeNull();

    const refused = await short.http().post('/api/v1/auth/refresh').send({ refreshToken }).expect(401);
    expect(refused.body.code).toBe('INVALID_REFRESH_TOKEN');
    const tab = watchPage(cleo, await cleo.context.newPage());
    await tab.goto(`${short.url}/`);
    await tab.getByRole('button', { name: 'Log in' }).waitFor();
    await tab.close();
  }, 60_000);

  it('catches a room up again after a reconnection made while an earlier catch-up was on its way, and shows what the socket missed', async () => {
    const { person: fay, room, post } = await roomWithApiMember('fay', 'gus', `Relay ${suffix}`);
    const online = fay.page.getByRole('status').filter({ hasText: 'Online' });
    const reconnecting = fay.page.getByRole('status').filter({ hasText: 'Reconnecting…' });

    // The catch-up after a first reconnection reads the room at once, but its answer reaches the page only later.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const firstRead = new Promise<void>((resolve) => {
      void fay.page.route(`**/api/v1/chat/rooms/${room.id}/changes**`, async (route) => {
        if (++reads > 1) return route.continue();
        const response = await route.fetch();
        resolve();
        await held;
        await route.fulfill({ response });
      });
    });
    // The room list a reconnection reloads would show the room ahead and catch it up too: it is held until the end,
    // so only the catch-ups bring the message.
    let releaseLists!: () => void;
    const listsHeld = new Promise<void>((resolve) => (releaseLists = resolve));
    await fay.page.route('**/api/v1/chat/rooms?*', async (route) => {
      await listsHeld;
      await route.continue();
    });
    await fay.context.setOffline(true);
    await reconnecting.waitFor();
    await fay.context.setOffline(false);
    await firstRead;

    // Meanwhile the socket drops again and Gus's message is sent while it is away; then the socket is back (its
    // "Online" and the new catch-up come in one step), and only then the first answer arrives, without the message.
    await fay.context.setOffline(true);
    await reconnecting.waitFor();
    await post('Sent while Fay was away');
    await fay.context.setOffline(false);
    await online.waitFor();
    release();
    await message(fay.page, 'Sent while Fay was away').waitFor();
    expect(reads).toBe(2);
    releaseLists();
  }, 60_000);

  it('tries the catch-up and the room list the server refused for now (503 with Retry-After) again after the wait, and shows what the socket missed', async () => {
    const title = `Busy line ${suffix}`;
    const { person: hal, room, post } = await roomWithApiMember('hal', 'ivy', title);

    // The first answers after the reconnection, the room's changes and the room list, are those of a server whose
    // database is away for a moment.
    const unavailable = {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({ statusCode: 503, message: 'The database is not available', error: 'Service Unavailable', code: 'DATABASE_UNAVAILABLE' }),
    };
    let reads = 0;
    await hal.page.route(`**/api/v1/chat/rooms/${room.id}/changes**`, (route) => (++reads > 1 ? route.continue() : route.fulfill(unavailable)));
    let lists = 0;
    await hal.page.route('**/api/v1/chat/rooms?*', (route) => (++lists > 1 ? route.continue() : route.fulfill(unavailable)));
    await hal.context.setOffline(true);
    await hal.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await post('Sent during the outage');
    await hal.context.setOffline(false);
    await message(hal.page, 'Sent during the outage').waitFor();
    // The room list failed too: it said so, and is loaded again after the wait.
    await expectGone(hal.page.getByText(/^Could not load your rooms/));
    await hal.page.getByRole('link', { name: new RegExp(`^${title}`) }).waitFor();
    // (The room's changes were read again after their wait, or when the reloaded list showed the room was ahead.)
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(lists).toBe(2);
  }, 60_000);

  it('keeps messages sent offline in the outbox, in plain words, and delivers them once when the connection is back', async () => {
    const dan = await open(normal, `dan_${suffix}`);
    const eve = await open(normal, `eve_${suffix}`, PHONE);
    await signIn(dan, 'Create account');
    await signIn(eve, 'Create account');
    const title = `Tunnel ${suffix}`;
    const roomId = await groupRoom(normal, title, dan, [eve]);

    // Offline: two sends wait in the outbox, said in plain words (never the browser's "Failed to fetch").
    await dan.context.setOffline(true);
    for (const text of ['Sent from the tunnel', 'And a second one']) {
      await composer(dan.page).fill(text);
      await composer(dan.page).press('Enter');
      await message(dan.page, text).getByText('Not sent — will retry when you are back online').waitFor();
    }
    expect(await dan.page.evaluate(() => document.body.innerText)).not.toMatch(/failed to fetch/i);
    expect(await outboxSize(dan.page)).toBe(2);

    // The tab is closed while offline; the outbox stays. Back online, a new tab of the same browser sends it, in order.
    await dan.page.close();
    await dan.context.setOffline(false);
    dan.page = watchPage(dan, await dan.context.newPage());
    await dan.page.goto(`${normal.url}/#/rooms/${roomId}`);
    await dan.page.getByRole('heading', { name: title }).waitFor();
    await eventually(async () => expect(await bodies(normal, eve, roomId)).toEqual(['Sent from the tunnel', 'And a second one']), 10_000, 100);
    await eventually(async () => expect(await outboxSize(dan.page)).toBe(0));
    await expectGone(dan.page.locator('.msg-status').filter({ hasText: 'Not sent' }));

    // Offline in an open page: the message goes by itself when the browser is online again, without a click.
    await dan.context.setOffline(true);
    await composer(dan.page).fill('Back in a moment');
    await composer(dan.page).press('Enter');
    await message(dan.page, 'Back in a moment').getByText('Not sent — will retry when you are back online').waitFor();
    await dan.context.setOffline(false);
    await expectGone(message(dan.page, 'Back in a moment').locator('.msg-status'));

    // A message given up while offline never leaves the browser.
    await dan.context.setOffline(true);
    await composer(dan.page).fill('Never mind this one');
    await composer(dan.page).press('Enter');
    await message(dan.page, 'Never mind this one').getByRole('button', { name: 'Discard' }).click();
    await expectGone(message(dan.page, 'Never mind this one'));
    await dan.context.setOffline(false);

    // Eve (on a phone) saw each delivered message exactly once; the sentinel, sent last, proves nothing else follows.
    await composer(dan.page).fill('Sentinel');
    await composer(dan.page).press('Enter');
    await message(eve.page, 'Sentinel').waitFor();
    for (const text of ['Sent from the tunnel', 'And a second one', 'Back in a moment']) expect(await message(eve.page, text).count()).toBe(1);
    expect(await message(eve.page, 'Never mind this one').count()).toBe(0);
    expect(await bodies(normal, eve, roomId)).toEqual(['Sent from the tunnel', 'And a second one', 'Back in a moment', 'Sentinel']);
    expect(await outboxSize(dan.page)).toBe(0);
  }, 120_000);
});
