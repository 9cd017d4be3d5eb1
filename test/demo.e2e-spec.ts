import { createECDH, randomBytes } from 'node:crypto';
import { type Browser, type Locator, type Page, type WebSocketRoute } from 'playwright-core';
import sharp from 'sharp';
import { loadConfig } from '../src/config/app-config';
import { composer, expectGone, launchDemoBrowser, message, openDemo, sessionOf, shoot, signIn, WAIT, type Person } from './support/demo-browser';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

/**
 * The demo web client in a real browser (Debian's chromium, driven by playwright-core): two people register,
 * chat both ways in a group room and a direct room, and use what the client offers.
 *
 * The client is built first (scripts/build-demo.js, into dist/demo, the folder the server serves), so the test
 * always runs the current sources. `PARLEY_DEMO_SCREENSHOTS=1` also saves the screenshots of the README to docs/.
 * The room management and chat basics (pins, search, links, the emoji picker...) are in demo-rooms.e2e-spec.ts.
 */
const suffix = Math.random().toString(36).slice(2, 8);

// The few browser globals the page functions below use: the tests are compiled without the DOM library, and
// these declarations stay in this module (they only type code that runs in the page).
interface PageImage {
  complete: boolean;
  naturalWidth: number;
  src: string;
}
declare const document: { querySelector(selector: string): PageImage | null; querySelectorAll(selector: string): Iterable<PageImage> };
declare const location: { hash: string };
declare function getComputedStyle(element: unknown): { justifyContent: string };

describe('demo web client (postgres, chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  const people: Person[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('postgres'), launchDemoBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const open = async (name: string, viewport = { width: 1280, height: 800 }, url = t.url): Promise<Person> => {
    const person = await openDemo(browser, name, url, { viewport });
    people.push(person);
    return person;
  };

  it('serves the page, its bundle and nothing else from the demo folder', async () => {
    const page = await t.http().get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data: blob:");
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(page.text).toContain('/demo/app.js');
    const script = await t.http().get('/demo/app.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^application\/javascript/);
    await t.http().get('/demo/app.css').expect(200);
    await t.http().get('/demo/package.json').expect(404);
    await t.http().get('/demo/..%2Fpackage.json').expect(404);
  });

  it('lets two people register, chat both ways, and use the room features', async () => {
    const bob = await open(`bob_${suffix}`);
    const ann = await open(`ann_${suffix}`);
    await ann.page.getByRole('button', { name: 'Create account' }).waitFor();
    await shoot(ann.page, 'demo-login.png');
    await signIn(bob, 'Create account');
    await signIn(ann, 'Create account');

    // Ann creates a group room and picks Bob by username.
    await ann.page.getByRole('button', { name: 'New group' }).click();
    const dialog = ann.page.getByRole('dialog', { name: 'New group room' });
    await dialog.getByLabel('Title').fill('Launch plans');
    await dialog.getByLabel('Add members by username').fill(bob.name.slice(0, 6).toUpperCase());
    await dialog.getByRole('button', { name: bob.name }).click();
    await dialog.getByRole('listitem').filter({ hasText: bob.name }).waitFor();
    await dialog.getByRole('button', { name: 'Create room' }).click();
    await ann.page.getByRole('heading', { name: 'Launch plans' }).waitFor();

    // Bob is told at once: the room shows up in his list, and he opens it.
    await bob.page.getByRole('link', { name: /^Launch plans/ }).click();
    await bob.page.getByRole('heading', { name: 'Launch plans' }).waitFor();

    // Both ways, with Enter; Bob's typing shows on Ann's screen, and Ann sees that Bob has read her message.
    await composer(ann.page).fill('Hello Bob! Ready for launch?');
    await composer(ann.page).press('Enter');
    await message(bob.page, 'Hello Bob! Ready for launch?').waitFor();
    await composer(bob.page).pressSequentially('Hi Ann', { delay: 20 });
    await ann.page.getByText(`${bob.name} is typing…`).waitFor();
    await composer(bob.page).press('Enter');
    await message(ann.page, 'Hi Ann').waitFor();
    await ann.page.getByText(`${bob.name} is typing…`).waitFor({ state: 'detached' });
    await message(ann.page, 'Hello Bob!').getByText(`Seen by ${bob.name}`).waitFor();

    // An image: uploaded with a preview, sent with a caption, shown to Bob as a thumbnail he can open.
    const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#4f46e5' } })
      .composite([{ input: await sharp({ create: { width: 320, height: 200, channels: 3, background: '#fbbf24' } }).png().toBuffer(), top: 100, left: 160 }])
      .png()
      .toBuffer();
    await ann.page.locator('.room-column input[type=file]').setInputFiles({ name: 'launch.png', mimeType: 'image/png', buffer: png });
    await ann.page.getByRole('list', { name: 'Images to send' }).getByText('Ready').waitFor();
    await composer(ann.page).fill('Our launch badge');
    await composer(ann.page).press('Enter');
    const thumbnail = message(bob.page, 'Our launch badge').getByRole('img', { name: /Image 1 of 1/ });
    await thumbnail.waitFor();
    await bob.page.waitForFunction((img: PageImage) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'), await thumbnail.elementHandle());
    expect(await thumbnail.evaluate((img: PageImage) => img.naturalWidth)).toBe(320); // the server's thumbnail, not the 640 px file
    await message(bob.page, 'Our launch badge').getByRole('button', { name: 'Open image 1 of 1' }).click();
    await bob.page.waitForFunction(() => {
      const img = document.querySelector('dialog.viewer img');
      return !!img && img.complete && img.naturalWidth === 640;
    });
    await bob.page.keyboard.press('Escape');
    await bob.page.locator('dialog.viewer').waitFor({ state: 'detached' });

    // Markup in a message is text, never HTML.
    const attack = '<img src=x onerror=alert(1)>';
    await composer(bob.page).fill(attack);
    await composer(bob.page).press('Enter');
    await message(ann.page, attack).locator('.msg-body').waitFor();
    expect(await message(ann.page, attack).locator('.msg-body').textContent()).toBe(attack);
    expect(await ann.page.locator('img[src="x"]').count()).toBe(0);

    // Reactions, edits, threads and deletes reach the other side.
    await message(bob.page, 'Hello Bob!').hover();
    await message(bob.page, 'Hello Bob!').getByRole('button', { name: 'Add reaction' }).click();
    await message(bob.page, 'Hello Bob!').getByRole('button', { name: 'React with 🎉' }).click();
    await message(ann.page, 'Hello Bob!').getByRole('button', { name: '🎉 1' }).waitFor();

    await message(ann.page, 'Hello Bob!').hover();
    await message(ann.page, 'Hello Bob!').getByRole('button', { name: 'Edit message' }).click();
    await ann.page.getByRole('textbox', { name: 'Edit message' }).fill('Hello Bob! Launch is on Friday.');
    await ann.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await message(bob.page, 'Launch is on Friday.').getByText('(edited)').waitFor();

    await message(bob.page, 'Launch is on Friday.').hover();
    await message(bob.page, 'Launch is on Friday.').getByRole('button', { name: 'Reply in thread' }).click();
    const thread = bob.page.getByRole('complementary');
    await thread.getByRole('heading', { name: 'Thread' }).waitFor();
    await thread.getByRole('textbox', { name: 'Reply in thread' }).fill('Friday works for me');
    await thread.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await thread.getByText('Friday works for me').waitFor();
    await message(ann.page, 'Launch is on Friday.').getByRole('button', { name: '1 reply' }).click();
    await ann.page.getByRole('complementary').getByText('Friday works for me').waitFor();
    await ann.page.getByRole('button', { name: 'Close thread' }).click();

    await composer(ann.page).fill('Oops, wrong room');
    await composer(ann.page).press('Enter');
    await message(bob.page, 'Oops, wrong room').waitFor();
    await message(ann.page, 'Oops, wrong room').hover();
    await message(ann.page, 'Oops, wrong room').getByRole('button', { name: 'Delete message' }).click();
    await ann.page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await bob.page.locator('.room-column .msg-deleted').getByText('Message deleted').waitFor();
    await expectGone(message(bob.page, 'Oops, wrong room'));

    // Members with online dots; muting is Ann's own setting (the notification menu has its own test below).
    await ann.page.getByRole('button', { name: 'Members' }).click();
    await ann.page.getByRole('complementary').locator('.member').filter({ hasText: bob.name }).getByText('online').waitFor();
    await ann.page.mouse.move(0, 0);
    await shoot(ann.page, 'demo-room.png');
    await ann.page.getByRole('button', { name: 'Notifications: All messages' }).click();
    await ann.page.getByRole('menuitemradio', { name: 'Mute until I turn it back on' }).click();
    await ann.page.getByRole('button', { name: 'Notifications: Muted', exact: true }).waitFor();
    await ann.page.getByRole('link', { name: /^Launch plans.*, muted$/ }).waitFor();
    await ann.page.getByRole('button', { name: 'Close members' }).click();

    // Public rooms: Bob opens one, Ann finds it and joins, and Bob sees her arrive.
    const lounge = `Lounge ${suffix}`;
    await bob.page.getByRole('button', { name: 'New group' }).click();
    const publicDialog = bob.page.getByRole('dialog', { name: 'New group room' });
    await publicDialog.getByLabel('Title').fill(lounge);
    await publicDialog.getByLabel(/^Public/).check();
    await publicDialog.getByRole('button', { name: 'Create room' }).click();
    await bob.page.getByRole('heading', { name: lounge }).waitFor();
    await bob.page.getByText('1 member, 1 online · public').waitFor();
    await ann.page.getByRole('button', { name: 'Browse public' }).click();
    await ann.page.getByRole('dialog', { name: 'Public rooms' }).getByRole('button', { name: `Join ${lounge}` }).click();
    await ann.page.getByRole('heading', { name: lounge }).waitFor();
    await bob.page.getByText('2 members, 2 online · public').waitFor();

    // A direct chat: Bob sees it with an unread badge, the preview and Ann's presence dot.
    await ann.page.getByRole('button', { name: 'Direct chat' }).click();
    await ann.page.getByRole('dialog').getByLabel('Who do you want to talk to?').fill(bob.name);
    await ann.page.getByRole('dialog').getByRole('button', { name: bob.name }).click();
    await ann.page.getByRole('heading', { name: bob.name }).waitFor();
    await composer(ann.page).fill('psst, a secret');
    await composer(ann.page).press('Enter');
    const direct = bob.page.getByRole('link', { name: `${ann.name}, online, 1 unread` });
    await direct.getByText('psst, a secret').waitFor();
    await direct.locator('.presence-dot.online').waitFor();
    // The rooms are sorted by activity: the direct room is on top.
    expect(await bob.page.locator('.room-list .room-item').first().getAttribute('aria-label')).toMatch(new RegExp(`^${ann.name}`));
    await direct.click();
    await message(bob.page, 'psst, a secret').waitFor();
    await bob.page.getByRole('link', { name: `${ann.name}, online`, exact: true }).waitFor();

    // On a phone: Bob logs in in another browser; one pane at a time, Back returns to the list.
    const phone = await open(bob.name, { width: 390, height: 844 });
    await signIn(phone, 'Log in');
    await phone.page.getByRole('link', { name: /^Launch plans/ }).click();
    await message(phone.page, 'Our launch badge').getByRole('img').waitFor();
    await phone.page.waitForFunction(() => [...document.querySelectorAll('.room-column img.thumb')].every((img) => img.complete && img.naturalWidth > 0));
    expect(await phone.page.locator('.sidebar').isVisible()).toBe(false);
    await phone.page.mouse.move(0, 0);
    await shoot(phone.page, 'demo-phone.png');
    await phone.page.getByRole('button', { name: 'Back to rooms' }).click();
    await phone.page.getByRole('link', { name: /^Launch plans/ }).waitFor();
    await phone.page.getByRole('button', { name: 'Log out' }).click();
    await phone.page.getByRole('button', { name: 'Log in' }).waitFor();

    for (const person of people) {
      expect(person.dialogs).toEqual([]);
      expect(person.errors).toEqual([]);
    }
  }, 60_000);

  it('catches up through the changes of the room after a lost connection', async () => {
    const [ann, bob] = [people.find((p) => p.name.startsWith('ann'))!, people.find((p) => p.name.startsWith('bob') && p.page.viewportSize()?.width === 1280)!];
    await bob.page.getByRole('link', { name: /^Launch plans/ }).click();
    await bob.page.getByRole('heading', { name: 'Launch plans' }).waitFor();
    await ann.page.getByRole('link', { name: /^Launch plans/ }).click();

    // Bob's socket goes through a route that can cut it, and refuse new ones while the "network" is down.
    let down = false;
    const routes: WebSocketRoute[] = [];
    await bob.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (down) return ws.close();
      ws.connectToServer();
      routes.push(ws);
    });
    await bob.page.reload();
    await bob.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    await bob.page.getByRole('heading', { name: 'Launch plans' }).waitFor();

    down = true;
    for (const ws of routes) await ws.close();
    await bob.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await composer(ann.page).fill('Sent while Bob was offline');
    await composer(ann.page).press('Enter');
    await message(ann.page, 'Sent while Bob was offline').waitFor();
    await expectGone(message(ann.page, 'Sent while Bob was offline').getByText('Sending…'));

    const catchUp = bob.page.waitForRequest((request) => /\/api\/v1\/chat\/rooms\/[^/]+\/changes\?since=\d+$/.test(request.url()));
    down = false;
    await catchUp;
    await bob.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    await message(bob.page, 'Sent while Bob was offline').waitFor();
    expect(bob.dialogs).toEqual([]);
  }, 30_000);

  it('loads earlier messages as you scroll up, keeping what is on screen in place', async () => {
    const ann = people.find((p) => p.name.startsWith('ann'))!;
    const { token } = await sessionOf(ann.page);
    const auth = { Authorization: `Bearer ${token}` };
    const room = (await t.http().post('/api/v1/chat/rooms').set(auth).send({ type: 'group', title: 'Long history', memberIds: [] }).expect(201)).body as { id: string };
    for (let i = 1; i <= 75; i++) await t.http().post(`/api/v1/chat/rooms/${room.id}/messages`).set(auth).send({ body: `History #${i}` }).expect(201);
    const numbered = (n: number) => message(ann.page, new RegExp(`History #${n}(?!\\d)`));

    await ann.page.getByRole('link', { name: /^Long history/ }).click();
    await numbered(75).waitFor();
    expect(await ann.page.locator('.room-column .msg').count()).toBe(30);
    const scroller = ann.page.locator('.room-column .messages');
    await scroller.evaluate((element) => element.scrollTo(0, 0));
    await numbered(45).waitFor();
    // The page above was added without moving the messages that were on screen.
    expect(await scroller.evaluate((element) => element.scrollTop)).toBeGreaterThan(500);
    await scroller.evaluate((element) => element.scrollTo(0, 0));
    await numbered(1).waitFor();
    await ann.page.getByText('This is the beginning of the conversation.').waitFor();
    // The 75 messages and, first, the room's creation (a system message, shown as one quiet line).
    expect(await ann.page.locator('.room-column .msg').count()).toBe(76);
    expect(await ann.page.locator('.room-column .msg-system').first().textContent()).toContain('created the room “Long history”');
  }, 30_000);

  it('sets the notification level of a room from its menu, and shows it again after a reload', async () => {
    const ann = people.find((p) => p.name.startsWith('ann'))!;
    // Without Web Push configured, the server says so and the client shows no bell.
    const config = ann.page.waitForResponse((response) => response.url().endsWith('/api/v1/chat/notifications/config'));
    await ann.page.reload();
    expect(await (await config).json()).toEqual({ webpush: null, fcm: false });
    await ann.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    expect(await ann.page.locator('button.bell').isHidden()).toBe(true);

    // Ann muted "Launch plans" until she turns it back on (level `none`): the menu shows it.
    await ann.page.getByRole('link', { name: /^Launch plans/ }).click();
    const roomId = (await ann.page.getByRole('link', { name: /^Launch plans/ }).getAttribute('data-room-id'))!;
    const menuButton = (label: string) => ann.page.getByRole('button', { name: `Notifications: ${label}`, exact: true });
    const item = (name: string) => ann.page.getByRole('menu').getByRole('menuitemradio', { name, exact: true });
    await menuButton('Muted').click();
    expect(await item('Mute until I turn it back on').getAttribute('aria-checked')).toBe('true');
    expect(await item('All messages').getAttribute('aria-checked')).toBe('false');
    // Escape closes the menu and gives the focus back to its button.
    await ann.page.keyboard.press('Escape');
    await ann.page.getByRole('menu').waitFor({ state: 'hidden' });
    expect(await ann.page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Notifications: Muted');

    const put = () => ann.page.waitForRequest((request) => request.method() === 'PUT' && request.url().endsWith(`/api/v1/chat/rooms/${roomId}/notifications`));
    await menuButton('Muted').click();
    let request = put();
    await item('Mentions only').click();
    expect((await request).postDataJSON()).toEqual({ level: 'mentions', mutedUntil: null });
    expect((await (await request).response())!.status()).toBe(200);
    await menuButton('Mentions only').waitFor();
    await ann.page.getByRole('link', { name: /^Launch plans(?!.*muted)/ }).waitFor();

    // What the server keeps: after a reload the menu shows "Mentions only" again.
    await ann.page.reload();
    await ann.page.getByRole('heading', { name: 'Launch plans' }).waitFor();
    await menuButton('Mentions only').click();
    expect(await item('Mentions only').getAttribute('aria-checked')).toBe('true');
    expect(await item('All messages').getAttribute('aria-checked')).toBe('false');

    // Mute for an hour: the level stays, `mutedUntil` is an hour away; the room shows as muted until then.
    request = put();
    await ann.page.getByRole('menuitem', { name: 'Mute for 1 hour' }).click();
    const body = (await request).postDataJSON() as { level: string; mutedUntil: string };
    expect(body.level).toBe('mentions');
    expect(Math.abs(Date.parse(body.mutedUntil) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    await ann.page.getByRole('button', { name: /^Notifications: Muted until / }).waitFor();
    await ann.page.getByRole('link', { name: /^Launch plans.*, muted$/ }).waitFor();
    const { token } = await sessionOf(ann.page);
    const room = (await t.http().get(`/api/v1/chat/rooms/${roomId}`).set({ Authorization: `Bearer ${token}` }).expect(200)).body as { me: { muted: boolean; notifications: { level: string; mutedUntil: string } } };
    expect(room.me.muted).toBe(true);
    expect(room.me.notifications.level).toBe('mentions');
    expect(Date.parse(room.me.notifications.mutedUntil)).toBe(Date.parse(body.mutedUntil));

    // Unmute ends the timed mute and keeps the level; then back to all messages.
    await ann.page.getByRole('button', { name: /^Notifications: Muted until / }).click();
    request = put();
    await ann.page.getByRole('menuitem', { name: 'Unmute' }).click();
    expect((await request).postDataJSON()).toEqual({ level: 'mentions', mutedUntil: null });
    await menuButton('Mentions only').click();
    request = put();
    await item('All messages').click();
    expect((await request).postDataJSON()).toEqual({ level: 'all', mutedUntil: null });
    await menuButton('All messages').waitFor();
    expect(ann.dialogs).toEqual([]);
  }, 30_000);

  it('mentions a member picked after @, highlights the mention and badges the room of the person mentioned', async () => {
    const ann = people.find((p) => p.name.startsWith('ann'))!;
    const bob = people.find((p) => p.name.startsWith('bob') && p.page.viewportSize()?.width === 1280)!;
    const bobId = (await sessionOf(bob.page)).user.id;
    // Bob is in another room, so "Launch plans" is not being read.
    await bob.page.getByRole('link', { name: new RegExp(`^Lounge ${suffix}`) }).click();
    await bob.page.getByRole('heading', { name: `Lounge ${suffix}` }).waitFor();
    await ann.page.getByRole('link', { name: /^Launch plans/ }).click();
    await ann.page.getByRole('heading', { name: 'Launch plans' }).waitFor();

    // "@" and a few letters list the members that match; Enter picks the highlighted one.
    await composer(ann.page).pressSequentially(`Thanks @${bob.name.slice(0, 5)}`, { delay: 10 });
    const picker = ann.page.getByRole('listbox', { name: 'Mention someone' });
    await picker.getByRole('option', { name: bob.name }).waitFor();
    expect(await picker.getByRole('option').count()).toBe(1); // not Ann herself
    await composer(ann.page).press('Enter');
    await picker.waitFor({ state: 'hidden' });
    expect(await composer(ann.page).inputValue()).toBe(`Thanks @${bob.name} `);
    await composer(ann.page).pressSequentially('see you Friday', { delay: 5 });
    await composer(ann.page).press('Enter');
    const sent = message(ann.page, 'see you Friday');
    await sent.locator('.mention').filter({ hasText: `@${bob.name}` }).waitFor();
    await expectGone(sent.getByText('Sending…'));

    // The message carries the mention.
    const { token } = await sessionOf(ann.page);
    const roomId = (await ann.page.getByRole('link', { name: /^Launch plans/ }).getAttribute('data-room-id'))!;
    const page = (await t.http().get(`/api/v1/chat/rooms/${roomId}/messages?limit=1`).set({ Authorization: `Bearer ${token}` }).expect(200)).body as { items: Array<{ body: string; mentions: string[] }> };
    expect(page.items[0]).toMatchObject({ body: `Thanks @${bob.name} see you Friday`, mentions: [bobId] });

    // Bob's room list shows the mention at once, and after a reload (the server's count).
    const badged = bob.page.getByRole('link', { name: /^Launch plans, 1 unread, 1 mention/ });
    await badged.locator('.badge-mention').filter({ hasText: '@1' }).waitFor();
    await bob.page.reload();
    await bob.page.getByRole('heading', { name: `Lounge ${suffix}` }).waitFor();
    await badged.locator('.badge-mention').filter({ hasText: '@1' }).waitFor();

    // Opening the room reads it: the message is marked as mentioning him, and the badge goes.
    await badged.click();
    const received = message(bob.page, 'see you Friday');
    await received.locator('.mention-me').filter({ hasText: `@${bob.name}` }).waitFor();
    expect(await received.getAttribute('class')).toContain('msg-mention');
    await received.getByText('mentions you').waitFor();
    await expectGone(bob.page.locator('.room-list .badge-mention'));

    // An edit sends the mentions of its new text: without the `@name`, the message mentions nobody.
    await sent.hover();
    await sent.getByRole('button', { name: 'Edit message' }).click();
    await ann.page.getByRole('textbox', { name: 'Edit message' }).fill('Thanks all, see you Friday');
    const edited = ann.page.waitForRequest((request) => request.method() === 'PATCH');
    await ann.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    expect((await edited).postDataJSON()).toEqual({ body: 'Thanks all, see you Friday', mentions: [] });
    await message(bob.page, 'Thanks all, see you Friday').getByText('(edited)').waitFor();
    await expectGone(message(bob.page, 'Thanks all, see you Friday').locator('.mention'));
    expect(await message(bob.page, 'Thanks all, see you Friday').getAttribute('class')).not.toContain('msg-mention');
    for (const person of [ann, bob]) {
      expect(person.dialogs).toEqual([]);
      expect(person.errors).toEqual([]);
    }
  }, 30_000);

  it('offers the bell when the server can send Web Push: service worker, subscription, device', async () => {
    // A server with a VAPID key. Headless chromium has no push service (a real `pushManager.subscribe` fails with
    // "Registration failed - permission denied"), so the page gets a stand-in PushManager that answers with a
    // subscription on an allowed test host; the rest (service worker, permission, POST /devices) is real.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const vapidPublicKey = ecdh.getPublicKey().toString('base64url');
    const vapidPrivateKey = Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32).toString('base64url');
    const { databaseUrl: _, ...withPush } = loadConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
      AUTH_RATE_LIMIT: '100000',
      RATE_LIMITS: 'off',
      DATA_DIR: 'memory://',
      WEBPUSH_VAPID_PUBLIC_KEY: vapidPublicKey,
      WEBPUSH_VAPID_PRIVATE_KEY: vapidPrivateKey,
      WEBPUSH_SUBJECT: 'mailto:demo@parley.test',
      WEBPUSH_ALLOWED_HOSTS: 'push.parley.test',
    });
    const pushApp = await startTestApp('postgres', withPush);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    try {
      context.setDefaultTimeout(WAIT);
      await context.grantPermissions(['notifications'], { origin: pushApp.url });
      const subscriber = createECDH('prime256v1');
      subscriber.generateKeys();
      const fake = { endpoint: `https://push.parley.test/wpush/${suffix}`, p256dh: subscriber.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
      await context.addInitScript({ content: standInPushManager(fake) });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const config = page.waitForResponse((response) => response.url().endsWith('/api/v1/chat/notifications/config'));
      await page.goto(`${pushApp.url}/`);
      const person: Person = { name: `cat_${suffix}`, context, page, dialogs: [], errors: [] };
      await signIn(person, 'Create account');
      expect(await (await config).json()).toEqual({ webpush: { vapidPublicKey }, fcm: false });

      // The bell shows, and the service worker is registered at /sw.js for the whole site.
      const bell = page.getByRole('button', { name: 'Turn on notifications' });
      await bell.waitFor();
      expect(await page.evaluate('navigator.serviceWorker.ready.then((registration) => registration.scope)')).toBe(`${pushApp.url}/`);
      expect(context.serviceWorkers().map((worker) => worker.url())).toContain(`${pushApp.url}/sw.js`);

      // The bell: permission, a subscription with the server's VAPID key, and the device registered.
      const created = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/api/v1/chat/devices'));
      await bell.click();
      expect((await created).status()).toBe(201);
      expect((await created).request().postDataJSON()).toEqual({ platform: 'webpush', subscription: { endpoint: fake.endpoint, keys: { p256dh: fake.p256dh, auth: fake.auth } } });
      expect(await page.evaluate('window.__parleyPush.applicationServerKey')).toBe(vapidPublicKey);
      const on = page.getByRole('button', { name: 'Notifications on' });
      await on.waitFor();
      expect(await on.getAttribute('aria-pressed')).toBe('true');
      const { token } = await sessionOf(page);
      const auth = { Authorization: `Bearer ${token}` };
      const devices = (await pushApp.http().get('/api/v1/chat/devices').set(auth).expect(200)).body as { items: Array<{ id: string; platform: string }> };
      expect(devices.items).toEqual([expect.objectContaining({ platform: 'webpush' })]);

      // After a reload the same subscription is registered again (the same device, 200) and the bell stays on.
      const again = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/api/v1/chat/devices'));
      await page.reload();
      expect((await again).status()).toBe(200);
      expect(((await (await again).json()) as { id: string }).id).toBe(devices.items[0].id);
      await on.waitFor();

      // The service worker shows a push (delivered through the DevTools protocol, as a push service would)...
      const room = (await pushApp.http().post('/api/v1/chat/rooms').set(auth).send({ type: 'group', title: 'Alerts', memberIds: [] }).expect(201)).body as { id: string };
      const worker = context.serviceWorkers().find((w) => w.url() === `${pushApp.url}/sw.js`)!;
      const cdp = await context.newCDPSession(page);
      const registrationId = new Promise<string>((resolve) => {
        cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
          const registration = registrations.find((r) => r.scopeURL === `${pushApp.url}/` && !r.isDeleted);
          if (registration) resolve(registration.registrationId);
        });
      });
      await cdp.send('ServiceWorker.enable');
      const payload = { title: 'Alerts', body: 'Ann: the build is green', data: { roomId: room.id, messageId: '00000000-0000-4000-8000-000000000001', seq: '1' } };
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: pushApp.url, registrationId: await registrationId, data: JSON.stringify(payload) });
      const shown = await worker.evaluate(`(async () => {
        for (;;) {
          const list = await self.registration.getNotifications();
          if (list.length > 0) return list.map((n) => ({ title: n.title, body: n.body, data: n.data }));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })()`);
      expect(shown).toEqual([{ title: 'Alerts', body: 'Ann: the build is green', data: payload.data }]);

      // ...and a click on it opens its room in the open page.
      await page.getByRole('link', { name: /^Alerts/ }).waitFor();
      await worker.evaluate(`self.registration.getNotifications().then(([notification]) => {
        self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
      })`);
      await page.waitForFunction((id: string) => location.hash === `#/rooms/${id}`, room.id);
      await page.getByRole('heading', { name: 'Alerts' }).waitFor();

      // Turning the bell off deletes the device.
      const removed = page.waitForResponse((response) => response.request().method() === 'DELETE' && response.url().endsWith(`/api/v1/chat/devices/${devices.items[0].id}`));
      await on.click();
      expect((await removed).status()).toBe(204);
      await page.getByRole('button', { name: 'Turn on notifications' }).waitFor();
      expect(((await pushApp.http().get('/api/v1/chat/devices').set(auth).expect(200)).body as { items: unknown[] }).items).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await pushApp.close();
    }
  }, 45_000);

  /**
   * Moderation, blocks, guests and administration, on a server of their own whose `ADMIN_USERNAMES` names one
   * account: an owner and a member moderate and report in a group room, a guest joins a room that allows guests
   * (at phone width), and the administrator uses the administration page.
   */
  describe('moderation, guests and administration', () => {
    let m: TestApp;
    const olga = `olga_${suffix}`;
    const mark = `mark_${suffix}`;
    const root = `root_${suffix}`;
    const square = `Town square ${suffix}`;
    const crowd: Person[] = [];
    /** Console errors other than refused requests (a refusal is what some steps test; the browser logs each). */
    const unexpected = (person: Person) => person.errors.filter((error) => !error.startsWith('Failed to load resource'));

    beforeAll(async () => {
      const { databaseUrl: _, ...withAdmin } = loadConfig({
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
        AUTH_RATE_LIMIT: '100000',
        RATE_LIMITS: 'off',
        DATA_DIR: 'memory://',
        ADMIN_USERNAMES: root,
      });
      m = await startTestApp('postgres', withAdmin);
    }, 60_000);
    afterAll(async () => {
      for (const person of crowd) await person.context.close();
      await m?.close();
    });

    const person = async (name: string, viewport?: { width: number; height: number }): Promise<Person> => {
      const someone = await open(name, viewport, m.url);
      crowd.push(someone);
      return someone;
    };
    const find = (name: string) => crowd.find((p) => p.name === name && p.page.viewportSize()?.width === 1280)!;
    const membersPanel = (page: Page) => page.getByRole('complementary');
    const menuOf = async (page: Page, name: string) => {
      await membersPanel(page).getByRole('button', { name: `Actions for ${name}` }).click();
      return page.getByRole('menu', { name: `Actions for ${name}` });
    };
    const composerNotice = (page: Page) => page.locator('.room-column .composer-notice');

    it('lets the owner set the room up, moderate its members and work through reports; members report and block', async () => {
      const owner = await person(olga);
      const member = await person(mark);
      await signIn(owner, 'Create account');
      await signIn(member, 'Create account');
      // Neither is a server administrator: no administration link.
      expect(await owner.page.getByRole('link', { name: 'Administration' }).isHidden()).toBe(true);

      await owner.page.getByRole('button', { name: 'New group' }).click();
      const create = owner.page.getByRole('dialog', { name: 'New group room' });
      await create.getByLabel('Title').fill('Town hall');
      await create.getByLabel('Add members by username').fill(mark);
      await create.getByRole('button', { name: mark }).click();
      await create.getByRole('listitem').filter({ hasText: mark }).waitFor();
      await create.getByRole('button', { name: 'Create room' }).click();
      await owner.page.getByRole('heading', { name: 'Town hall' }).waitFor();
      await member.page.getByRole('link', { name: /^Town hall/ }).click();
      await member.page.getByRole('heading', { name: 'Town hall' }).waitFor();

      // The room's creation is in the history as a system message: centred, muted, without actions, never unread.
      const created = member.page.locator('.room-column .msg-system').first();
      await created.waitFor();
      expect(await created.locator('.msg-actions').count()).toBe(0);
      expect(await created.evaluate((element) => getComputedStyle(element).justifyContent)).toBe('center');

      // Settings: rename, describe, make public with guests, slow mode 30 s. The member sees each change.
      await owner.page.getByRole('button', { name: 'Settings' }).click();
      const settings = owner.page.getByRole('dialog', { name: 'Room settings' });
      expect(await settings.getByLabel('Allow guests').isDisabled()).toBe(true); // private rooms take no guests
      await settings.getByLabel('Title').fill(square);
      await settings.getByLabel('Description').fill('Everybody welcome');
      await settings.getByLabel(/^Public/).check();
      await settings.getByLabel('Allow guests').check();
      await settings.getByLabel(/^Slow mode/).selectOption('30');
      const patch = owner.page.waitForRequest((request) => request.method() === 'PATCH' && /\/rooms\/[^/]+$/.test(request.url()));
      await settings.getByRole('button', { name: 'Save' }).click();
      // The dialog closes once the owner's page has the server's answer, which may come after the member's page has
      // the event: the owner's page is used again only then (a modal dialog leaves the rest of the page inert).
      await expectGone(settings);
      expect((await patch).postDataJSON()).toEqual({ title: square, description: 'Everybody welcome', isPublic: true, allowGuests: true, slowModeSeconds: 30 });
      await member.page.getByRole('heading', { name: square }).waitFor();
      await member.page.getByText(/· public · guests welcome · slow mode$/).waitFor();
      await member.page.locator('.room-column .msg-system[data-event="room.renamed"]').waitFor();
      await composerNotice(member.page).filter({ hasText: 'Slow mode: you can send one message every 30 seconds.' }).waitFor();

      // Slow mode: the second message within 30 s is refused, in plain words with the wait.
      await composer(member.page).fill('First!');
      await composer(member.page).press('Enter');
      await message(owner.page, 'First!').waitFor();
      await composer(member.page).fill('Second, too soon');
      await composer(member.page).press('Enter');
      await message(member.page, 'Second, too soon').locator('.msg-failed').filter({ hasText: /Slow mode is on: you can send again in \d+ seconds/ }).waitFor();

      // Frozen: only the owner and admins send; the member's box says so and is disabled.
      await owner.page.getByRole('button', { name: 'Settings' }).click();
      await settings.getByLabel(/^Slow mode/).selectOption('0');
      await settings.getByLabel(/^Frozen/).check();
      await settings.getByRole('button', { name: 'Save' }).click();
      await expectGone(settings);
      await composerNotice(member.page).filter({ hasText: 'This room is frozen: only its owner and admins can send messages.' }).waitFor();
      expect(await composer(member.page).isDisabled()).toBe(true);
      await owner.page.getByRole('button', { name: 'Settings' }).click();
      await settings.getByLabel(/^Frozen/).uncheck();
      await settings.getByRole('button', { name: 'Save' }).click();
      await expectGone(settings);
      await composerNotice(member.page).waitFor({ state: 'hidden' });
      expect(await composer(member.page).isDisabled()).toBe(false);

      // A member reports the owner's message; the owner finds it in the reports queue and resolves it.
      await composer(owner.page).fill('The vote is tomorrow');
      await composer(owner.page).press('Enter');
      await message(member.page, 'The vote is tomorrow').hover();
      expect(await message(member.page, 'First!').getByRole('button', { name: 'Report message' }).count()).toBe(0); // not one's own
      await message(member.page, 'The vote is tomorrow').getByRole('button', { name: 'Report message' }).click();
      const report = member.page.getByRole('dialog', { name: 'Report message' });
      await report.getByLabel('What is wrong with it?').fill('Misleading date');
      await report.getByRole('button', { name: 'Report', exact: true }).click();
      await member.page.getByText('Thank you: the owner and admins of the room will look at it.').waitFor();
      await owner.page.getByRole('button', { name: 'Reports' }).click();
      const queued = membersPanel(owner.page).locator('.report').filter({ hasText: 'Misleading date' });
      await queued.getByText('The vote is tomorrow').waitFor();
      await queued.getByText(`${mark}:`).waitFor();
      await queued.getByRole('button', { name: 'Resolve' }).click();
      await membersPanel(owner.page).getByText('No open reports.').waitFor();
      await owner.page.getByRole('button', { name: 'Close reports' }).click();

      // Roles: the owner makes the member an admin, and back.
      await owner.page.getByRole('button', { name: 'Members' }).click();
      const markRow = (page: Page) => membersPanel(page).locator('.member:not(.ban)').filter({ hasText: mark });
      await (await menuOf(owner.page, mark)).getByRole('menuitem', { name: 'Make admin' }).click();
      await markRow(owner.page).getByText(/· admin/).waitFor();
      await member.page.getByRole('button', { name: 'Settings' }).waitFor(); // an admin gets the room's tools
      await (await menuOf(owner.page, mark)).getByRole('menuitem', { name: 'Make member' }).click();
      await expectGone(member.page.getByRole('button', { name: 'Settings' }));

      // Silence until a time: the member is read-only, then the owner lifts it.
      await (await menuOf(owner.page, mark)).getByRole('menuitem', { name: 'Silence…' }).click();
      const silence = owner.page.getByRole('dialog', { name: `Silence ${mark}` });
      await silence.getByRole('button', { name: '1 hour' }).click();
      await silence.getByRole('button', { name: 'Silence', exact: true }).click();
      await composerNotice(member.page).filter({ hasText: /^You are read-only in this room until / }).waitFor();
      expect(await composer(member.page).isDisabled()).toBe(true);
      await markRow(owner.page).getByText(/read-only until/).waitFor();
      const silenced = await menuOf(owner.page, mark);
      await owner.page.mouse.move(0, 0);
      await shoot(owner.page, 'demo-moderation.png');
      await silenced.getByRole('menuitem', { name: 'Lift silence' }).click();
      await composerNotice(member.page).waitFor({ state: 'hidden' });

      // Blocking from a member's menu hides the blocked user's messages, and unblocking shows them again.
      await member.page.getByRole('button', { name: 'Members' }).click();
      await (await menuOf(member.page, olga)).getByRole('menuitem', { name: 'Block' }).click();
      await expectGone(message(member.page, 'The vote is tomorrow'));
      const memberAuth = { Authorization: `Bearer ${(await sessionOf(member.page)).token}` };
      const ownerId = (await sessionOf(owner.page)).user.id;
      expect(((await m.http().get('/api/v1/chat/blocks').set(memberAuth).expect(200)).body as { items: Array<{ userId: string }> }).items.map((b) => b.userId)).toEqual([ownerId]);
      // The blocked owner cannot open a direct chat with the member, and is told so in plain words.
      await owner.page.getByRole('button', { name: 'Direct chat' }).click();
      const direct = owner.page.getByRole('dialog', { name: 'Start a direct chat' });
      await direct.getByLabel('Who do you want to talk to?').fill(mark);
      await direct.getByRole('button', { name: mark, exact: true }).click();
      await direct.getByText('This person has blocked you.').waitFor();
      await owner.page.keyboard.press('Escape');
      await expectGone(direct);
      await member.page.reload();
      await member.page.getByRole('heading', { name: square }).waitFor();
      await message(member.page, 'First!').waitFor();
      expect(await message(member.page, 'The vote is tomorrow').count()).toBe(0); // still hidden after a reload (GET /blocks)
      await member.page.getByRole('button', { name: 'Members' }).click();
      await (await menuOf(member.page, olga)).getByRole('menuitem', { name: 'Unblock' }).click();
      await message(member.page, 'The vote is tomorrow').waitFor();
      await member.page.getByRole('button', { name: 'Close members' }).click();

      // Ban with a reason: the member leaves the room at once, cannot join again, and is back once it is lifted.
      await (await menuOf(owner.page, mark)).getByRole('menuitem', { name: 'Ban…' }).click();
      const ban = owner.page.getByRole('dialog', { name: `Ban ${mark}` });
      await ban.getByLabel('Reason (optional)').fill('Spamming the vote');
      await ban.getByRole('button', { name: 'Ban', exact: true }).click();
      await member.page.getByText(`You are no longer in ${square}`).waitFor();
      await expectGone(member.page.getByRole('link', { name: new RegExp(`^${square}`) }));
      const banned = membersPanel(owner.page).locator('.ban').filter({ hasText: mark });
      await banned.getByText('Spamming the vote · until lifted').waitFor();
      await expectGone(markRow(owner.page));
      await owner.page.locator('.room-column .msg-system[data-event="member.banned"]').waitFor();
      await member.page.getByRole('button', { name: 'Browse public' }).click();
      await member.page.getByRole('dialog', { name: 'Public rooms' }).getByRole('button', { name: `Join ${square}` }).click();
      await member.page.getByText('You are banned from this room.').waitFor();
      await member.page.keyboard.press('Escape');
      await banned.getByRole('button', { name: `Lift the ban of ${mark}` }).click();
      await expectGone(banned);
      await member.page.getByRole('button', { name: 'Browse public' }).click();
      await member.page.getByRole('dialog', { name: 'Public rooms' }).getByRole('button', { name: `Join ${square}` }).click();
      await member.page.getByRole('heading', { name: square }).waitFor();
      await markRow(owner.page).waitFor();

      // Remove from the room, then add again by username from the members panel.
      await (await menuOf(owner.page, mark)).getByRole('menuitem', { name: 'Remove from room' }).click();
      await owner.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await member.page.getByText(`You are no longer in ${square}`).waitFor();
      await expectGone(markRow(owner.page));
      await membersPanel(owner.page).getByLabel('Add a member').fill(mark);
      await membersPanel(owner.page).getByRole('button', { name: mark, exact: true }).click();
      await markRow(owner.page).waitFor();
      await member.page.getByRole('link', { name: new RegExp(`^${square}`) }).waitFor();

      for (const someone of [owner, member]) {
        expect(someone.dialogs).toEqual([]);
        expect(unexpected(someone)).toEqual([]);
      }
    }, 90_000);

    it('lets a guest join with a name at phone width, chat in a room that allows guests, and leave when guests are turned off', async () => {
      const owner = find(olga);
      const guest = await person('Gus the guest', { width: 390, height: 844 });
      await guest.page.getByLabel('Guest name').fill('Gus');
      await guest.page.getByRole('button', { name: 'Join as guest' }).click();
      await guest.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
      // A guest creates nothing: the rooms open to guests are offered at once, in the list of rooms.
      expect(await guest.page.getByRole('button', { name: 'New group' }).count()).toBe(0);
      await guest.page.getByRole('heading', { name: 'Rooms open to guests' }).waitFor();
      await guest.page.getByRole('button', { name: `Join ${square}` }).click();
      await guest.page.getByRole('heading', { name: square }).waitFor();
      expect(await guest.page.locator('.sidebar').isVisible()).toBe(false);
      expect(await guest.page.getByRole('button', { name: 'Attach images' }).isHidden()).toBe(true);
      await composer(guest.page).fill('Hello from a guest');
      await composer(guest.page).press('Enter');
      await message(owner.page, 'Hello from a guest').locator('.msg-meta').getByText('guest', { exact: true }).waitFor();
      expect(await message(guest.page, 'First!').getByRole('button', { name: 'Report message' }).count()).toBe(0);
      // The owner's members panel is still open: the guest shows there, marked.
      await membersPanel(owner.page).locator('.member').filter({ hasText: 'Gus' }).getByText(/guest/).waitFor();
      await guest.page.mouse.move(0, 0);
      await shoot(guest.page, 'demo-guest-phone.png');

      // Turning guests off removes them.
      await owner.page.getByRole('button', { name: 'Settings' }).click();
      const settings = owner.page.getByRole('dialog', { name: 'Room settings' });
      await settings.getByLabel('Allow guests').uncheck();
      await settings.getByRole('button', { name: 'Save' }).click();
      await expectGone(settings);
      await guest.page.getByText(`You are no longer in ${square}`).waitFor();
      await guest.page.getByRole('heading', { name: 'Rooms open to guests' }).waitFor();
      await expectGone(guest.page.getByRole('button', { name: `Join ${square}` }));
      expect(guest.dialogs).toEqual([]);
      expect(unexpected(guest)).toEqual([]);
    }, 45_000);

    it('gives the administrator an administration page: rooms, reports, server-wide bans and the audit log', async () => {
      const owner = find(olga);
      const member = find(mark);
      const admin = await person(root);
      await signIn(admin, 'Create account');
      await admin.page.getByRole('link', { name: 'Administration' }).click();
      await admin.page.getByRole('heading', { name: 'Administration' }).waitFor();

      // Rooms: every room, found by its title, though the administrator is in none of them.
      await admin.page.getByLabel('Search rooms').fill(square);
      const room = admin.page.locator('.admin-item').filter({ hasText: square });
      await room.getByText(/public group · 2 members/).waitFor();

      // Reports of every room: the member reports a message, the administrator resolves it.
      await member.page.getByRole('link', { name: new RegExp(`^${square}`) }).click();
      await message(member.page, 'Hello from a guest').hover();
      await message(member.page, 'Hello from a guest').getByRole('button', { name: 'Report message' }).click();
      await member.page.getByRole('dialog', { name: 'Report message' }).getByLabel('What is wrong with it?').fill('Off topic');
      await member.page.getByRole('dialog', { name: 'Report message' }).getByRole('button', { name: 'Report', exact: true }).click();
      await admin.page.getByRole('tab', { name: 'Reports' }).click();
      const reported = admin.page.locator('.admin-item').filter({ hasText: 'Off topic' });
      await reported.getByText(`In ${square}`).waitFor();
      await reported.getByRole('button', { name: 'Resolve' }).click();
      // Only this report leaves the queue: other suites of the run share the database and may have open reports.
      await expectGone(reported);

      // A server-wide ban logs the member out with the reason in plain words; lifted, they log in again.
      await admin.page.getByRole('tab', { name: 'Users' }).click();
      await admin.page.getByLabel('Find a user by username').fill(mark);
      await admin.page.getByRole('button', { name: mark, exact: true }).click();
      expect(await admin.page.getByLabel('User id').inputValue()).toBe((await sessionOf(member.page)).user.id);
      await admin.page.getByLabel('Reason (optional)').fill('Spam');
      await admin.page.getByRole('button', { name: 'Ban from server' }).click();
      await admin.page.getByText(`${mark} is banned from the server.`).waitFor();
      await member.page.getByRole('button', { name: 'Log in' }).waitFor();
      await member.page.locator('#login-error').filter({ hasText: /banned/i }).waitFor();
      await admin.page.getByRole('button', { name: 'Lift ban' }).click();
      await admin.page.getByText(`The server ban of ${mark} is lifted.`).waitFor();
      await signIn(member, 'Log in');

      // The audit log lists what was done, newest first.
      await admin.page.getByRole('tab', { name: 'Audit log' }).click();
      const audit = admin.page.getByRole('list', { name: 'Audit log' });
      await audit.locator('.audit-entry').first().waitFor();
      const actions = await audit.locator('.audit-action').allTextContents();
      expect(actions.some((action) => /ban/i.test(action))).toBe(true);
      expect(actions.some((action) => /report/i.test(action))).toBe(true);
      await shoot(admin.page, 'demo-admin.png');

      // Deleting a room from the administration page takes it from its members.
      await admin.page.getByRole('tab', { name: 'Rooms' }).click();
      await admin.page.getByLabel('Search rooms').fill(square);
      await room.getByRole('button', { name: `Delete room ${square}` }).click();
      await admin.page.getByRole('dialog').getByRole('button', { name: 'Delete room' }).click();
      await expectGone(room);
      await expectGone(owner.page.getByRole('link', { name: new RegExp(`^${square}`) }));
      for (const someone of [owner, admin]) {
        expect(someone.dialogs).toEqual([]);
        expect(unexpected(someone)).toEqual([]);
      }
    }, 60_000);
  });

});

/**
 * A page script that stands in for the browser's PushManager (headless chromium has no push service): `subscribe`
 * answers with the given subscription and records the application server key it was given; the subscription is
 * kept in localStorage, so `getSubscription` finds it after a reload, as a real one would be.
 */
function standInPushManager(fake: { endpoint: string; p256dh: string; auth: string }): string {
  return `(() => {
    const fake = ${JSON.stringify(fake)};
    const KEY = 'test.push-subscription';
    const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer;
    const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    const make = (applicationServerKey) => ({
      endpoint: fake.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: bytes(applicationServerKey) },
      getKey: (name) => bytes(name === 'p256dh' ? fake.p256dh : fake.auth),
      toJSON: () => ({ endpoint: fake.endpoint, expirationTime: null, keys: { p256dh: fake.p256dh, auth: fake.auth } }),
      unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
    });
    window.__parleyPush = { applicationServerKey: null };
    PushManager.prototype.subscribe = async function (options) {
      const key = text(options.applicationServerKey);
      window.__parleyPush.applicationServerKey = key;
      localStorage.setItem(KEY, key);
      return make(key);
    };
    PushManager.prototype.getSubscription = async function () {
      const key = localStorage.getItem(KEY);
      return key ? make(key) : null;
    };
  })();`;
}
