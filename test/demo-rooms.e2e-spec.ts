import type { Browser, Locator, Page } from 'playwright-core';
import { composer, DESKTOP, expectGone, launchDemoBrowser, message, openDemo, PHONE, shoot, signIn, type Person } from './support/demo-browser';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The demo client's room management and chat basics in a real browser, two people at desktop and phone widths:
 * members, roles, ownership, settings, delete; pins and search; links, grouping, the room description and the
 * emoji picker; the public rooms' "Load more"; the thread panel, the message actions and "Leave room" on a phone.
 * Each step is checked by what the other person sees (or, where the page cannot show it, by the API).
 */
const suffix = Math.random().toString(36).slice(2, 8);

// The few browser globals the page functions below use (the tests are compiled without the DOM library).
declare const document: { activeElement: { getAttribute(name: string): string | null } | null };
interface PageElement {
  dataset: Record<string, string>;
  checkVisibility(options: { opacityProperty: boolean }): boolean;
}
/** Whether the element is seen: displayed, not hidden and not fully transparent. */
const seen = (element: unknown) => (element as PageElement).checkVisibility({ opacityProperty: true });

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

describe('demo web client: rooms and chat basics (postgres, chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  const people: Person[] = [];
  const olga = `olga_${suffix}`;
  const ben = `ben_${suffix}`;
  const cyd = `cyd_${suffix}`;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('postgres'), launchDemoBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const person = async (name: string, options: Parameters<typeof openDemo>[3] = {}): Promise<Person> => {
    const someone = await openDemo(browser, name, t.url, options);
    people.push(someone);
    return someone;
  };
  const find = (name: string, width = DESKTOP.width) => people.find((p) => p.name === name && p.page.viewportSize()?.width === width)!;
  /** A token of the account, for the checks the page cannot show (the same password the pages sign in with). */
  const auth = async (name: string) => {
    const { body } = await t.http().post('/api/v1/auth/token').send({ username: name, password: 'correct horse' }).expect(200);
    return { Authorization: `Bearer ${(body as { accessToken: string }).accessToken}` };
  };
  const panel = (page: Page) => page.getByRole('complementary');
  const heading = (page: Page, title: string) => page.getByRole('heading', { level: 2, name: title, exact: true });
  const roomLink = (page: Page, title: string) => page.getByRole('link', { name: new RegExp(`^${title}`) });
  const menuOf = async (page: Page, name: string) => {
    await panel(page).getByRole('button', { name: `Actions for ${name}` }).click();
    return page.getByRole('menu', { name: `Actions for ${name}` });
  };
  const send = async (page: Page, text: string) => {
    await composer(page).fill(text);
    await composer(page).press('Enter');
    await message(page, text).waitFor();
    await expectGone(message(page, text).getByText('Sending…'));
  };
  /** Shows a message's actions: hover with a mouse, a tap on a touch screen. */
  const actionsOf = async (page: Page, text: string): Promise<Locator> => {
    const item = message(page, text);
    await item.hover();
    return item.getByRole('group', { name: 'Message actions' });
  };
  /**
   * The element's box once it is visible. `boundingBox` finds the element and measures it in two steps, and answers
   * null when the page re-rendered the element in between (the room header is rebuilt whenever the room changes), so
   * a null is measured again on the element now in the page.
   */
  const box = async (locator: Locator): Promise<Box> => {
    for (;;) {
      await locator.waitFor({ state: 'visible' });
      const found = await locator.boundingBox();
      if (found) return found;
    }
  };

  it('lets the owner add and remove members, change roles, hand ownership over, edit and delete the room', async () => {
    const owner = await person(olga);
    const member = await person(ben);
    await signIn(owner, 'Create account');
    await signIn(member, 'Create account');
    // Cyd uses the chat through the API only (which makes her name known to it).
    await t.http().post('/api/v1/auth/register').send({ username: cyd, password: 'correct horse' }).expect(201);
    await t.http().get('/api/v1/chat/rooms').set(await auth(cyd)).expect(200);

    // Olga makes a room of her own and adds Ben from the members panel, by username: Ben sees the room at once.
    await owner.page.getByRole('button', { name: 'New group' }).click();
    const create = owner.page.getByRole('dialog', { name: 'New group room' });
    await create.getByLabel('Title').fill('Garden club');
    await create.getByRole('button', { name: 'Create room' }).click();
    await heading(owner.page, 'Garden club').waitFor();
    await owner.page.getByRole('button', { name: 'Members' }).click();
    await panel(owner.page).getByLabel('Add a member').fill(ben.slice(0, 5));
    await panel(owner.page).getByRole('button', { name: ben, exact: true }).click();
    await panel(owner.page).locator('.member').filter({ hasText: ben }).waitFor();
    await roomLink(member.page, 'Garden club').click();
    await heading(member.page, 'Garden club').waitFor();
    // A plain member has no room settings and no pin action; the owner has both.
    expect(await member.page.getByRole('button', { name: 'Settings' }).count()).toBe(0);
    await send(owner.page, 'Welcome to the club');
    expect(await (await actionsOf(member.page, 'Welcome to the club')).getByRole('button', { name: 'Pin message' }).count()).toBe(0);
    expect(await (await actionsOf(owner.page, 'Welcome to the club')).getByRole('button', { name: 'Pin message' }).count()).toBe(1);

    // Rename, describe and make public: both headers show the new title and the description.
    await owner.page.getByRole('button', { name: 'Settings' }).click();
    const settings = owner.page.getByRole('dialog', { name: 'Room settings' });
    await settings.getByLabel('Title').fill('Allotment club');
    await settings.getByLabel('Description').fill('Tomatoes, beans and a shed');
    await settings.getByLabel(/^Public/).check();
    await settings.getByRole('button', { name: 'Save' }).click();
    for (const page of [owner.page, member.page]) {
      await heading(page, 'Allotment club').waitFor();
      await page.locator('.room-header .room-description').filter({ hasText: 'Tomatoes, beans and a shed' }).waitFor();
      await page.locator('.room-header').getByText(/· public$/).waitFor();
      // The history and the message box are named after the new title too.
      expect(await page.getByRole('log', { name: 'Messages in Allotment club' }).count()).toBe(1);
      expect(await page.getByRole('textbox', { name: 'Message Allotment club', exact: true }).getAttribute('placeholder')).toBe('Message Allotment club');
    }

    // Roles: Olga makes Ben an admin (he gets the settings), then hands the ownership over, confirmed in the page's
    // own dialog: Ben is the owner, Olga an admin who may now leave.
    await (await menuOf(owner.page, ben)).getByRole('menuitem', { name: 'Make admin' }).click();
    await member.page.getByRole('button', { name: 'Settings' }).waitFor();
    await (await menuOf(owner.page, ben)).getByRole('menuitem', { name: 'Make owner…' }).click();
    const confirm = owner.page.getByRole('dialog').filter({ hasText: `Make ${ben} the owner of Allotment club?` });
    await confirm.getByRole('button', { name: 'Make owner' }).click();
    await owner.page.getByRole('button', { name: 'Leave room' }).waitFor();
    await expectGone(member.page.getByRole('button', { name: 'Leave room' }));
    const roomId = (await roomLink(owner.page, 'Allotment club').getAttribute('data-room-id'))!;
    const members = (await t.http().get(`/api/v1/chat/rooms/${roomId}/members`).set(await auth(ben)).expect(200)).body as { items: Array<{ name: string; role: string }> };
    expect(Object.fromEntries(members.items.map((m) => [m.name, m.role]))).toEqual({ [olga]: 'admin', [ben]: 'owner' });

    // Ben, the owner now, adds Cyd and removes Olga: she is told, and the room leaves her list.
    await member.page.getByRole('button', { name: 'Members' }).click();
    await panel(member.page).getByLabel('Add a member').fill(cyd);
    await panel(member.page).getByRole('button', { name: cyd, exact: true }).click();
    await panel(member.page).locator('.member').filter({ hasText: cyd }).waitFor();
    const cydRooms = (await t.http().get('/api/v1/chat/rooms').set(await auth(cyd)).expect(200)).body as { items: Array<{ id: string }> };
    expect(cydRooms.items.map((room) => room.id)).toContain(roomId);
    await (await menuOf(member.page, olga)).getByRole('menuitem', { name: 'Remove from room' }).click();
    await member.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await owner.page.getByText('You are no longer in Allotment club').waitFor();
    await expectGone(roomLink(owner.page, 'Allotment club'));

    // Only the owner deletes the room, after the page's own confirmation: it goes from every member's list.
    await member.page.getByRole('button', { name: 'Settings' }).click();
    await member.page.getByRole('dialog', { name: 'Room settings' }).getByRole('button', { name: 'Delete room' }).click();
    await member.page.getByRole('dialog').filter({ hasText: 'Delete Allotment club and all its messages for everybody?' }).getByRole('button', { name: 'Delete room' }).click();
    await expectGone(roomLink(member.page, 'Allotment club'));
    await t.http().get(`/api/v1/chat/rooms/${roomId}`).set(await auth(cyd)).expect(404);
    for (const someone of [owner, member]) {
      expect(someone.dialogs).toEqual([]);
      expect(someone.errors.filter((error) => !error.startsWith('Failed to load resource'))).toEqual([]);
    }
  }, 90_000);

  it('pins messages, lists the pins, finds messages by their words and opens them in the history', async () => {
    const owner = find(olga);
    const member = find(ben);
    const ownerAuth = await auth(olga);
    const benId = ((await t.http().get('/api/v1/auth/users').query({ q: ben }).set(ownerAuth).expect(200)).body as { items: Array<{ id: string; username: string }> }).items.find((u) => u.username === ben)!.id;
    const room = (await t.http().post('/api/v1/chat/rooms').set(ownerAuth).send({ type: 'group', title: 'Seed swap', memberIds: [benId] }).expect(201)).body as { id: string };
    // An early message, then more than three pages (of 30) of others: the early one is not loaded when the room opens,
    // even if the list loads one more page while it settles.
    await t.http().post(`/api/v1/chat/rooms/${room.id}/messages`).set(ownerAuth).send({ body: 'Heirloom tomato seeds for anyone who wants them' }).expect(201);
    for (let i = 1; i <= 100; i++) await t.http().post(`/api/v1/chat/rooms/${room.id}/messages`).set(ownerAuth).send({ body: `Swap note #${i}` }).expect(201);

    await roomLink(owner.page, 'Seed swap').click();
    await roomLink(member.page, 'Seed swap').click();
    await message(member.page, 'Swap note #100').waitFor();
    expect(await message(member.page, 'Heirloom tomato').count()).toBe(0);

    // Olga pins a message; Ben's history marks it and his pins list has it.
    await (await actionsOf(owner.page, 'Swap note #99')).getByRole('button', { name: 'Pin message' }).click();
    await message(member.page, /Swap note #99(?!\d)/).getByText('Pinned').waitFor();
    await member.page.getByRole('button', { name: 'Pins' }).click();
    const pins = panel(member.page).getByRole('list', { name: 'Pinned messages' });
    await pins.getByRole('button', { name: /Swap note #99/ }).waitFor();
    expect(await panel(member.page).getByRole('button', { name: /^Unpin/ }).count()).toBe(0); // pins are the owner's and admins'

    // Search: the early message, not loaded, is found, and opening it loads the history up to it and marks it.
    await member.page.getByRole('button', { name: 'Search' }).click();
    await panel(member.page).getByLabel('Search messages').fill('TOMATO');
    const results = panel(member.page).getByRole('list', { name: 'Search results' });
    await results.getByRole('button', { name: /Heirloom tomato seeds/ }).click();
    await message(member.page, 'Heirloom tomato seeds').and(member.page.locator('.msg-highlight')).waitFor();
    expect(await message(member.page, 'Heirloom tomato seeds').isVisible()).toBe(true);
    await panel(member.page).getByLabel('Search messages').fill('no such words anywhere');
    await panel(member.page).getByText('No messages contain “no such words anywhere”.').waitFor();

    // Olga unpins from her pins list: the pin leaves Ben's list and his history at once.
    await owner.page.getByRole('button', { name: 'Pins' }).click();
    await panel(owner.page).getByRole('list', { name: 'Pinned messages' }).getByRole('button', { name: /Swap note #99/ }).waitFor();
    await member.page.getByRole('button', { name: 'Pins' }).click();
    await panel(owner.page).getByRole('button', { name: `Unpin the message of ${olga}` }).click();
    await panel(member.page).getByText('No pinned messages.').waitFor();
    await expectGone(message(member.page, /Swap note #99(?!\d)/).getByText('Pinned'));
    const pinned = (await t.http().get(`/api/v1/chat/rooms/${room.id}/pins`).set(ownerAuth).expect(200)).body as { items: unknown[] };
    expect(pinned.items).toEqual([]);
    for (const someone of [owner, member]) expect(someone.dialogs).toEqual([]);
  }, 60_000);

  it('makes safe links, groups a sender’s consecutive messages, and reacts with any emoji from the picker', async () => {
    const owner = find(olga);
    const member = find(ben);
    await roomLink(owner.page, 'Seed swap').click();
    await roomLink(member.page, 'Seed swap').click();
    await heading(owner.page, 'Seed swap').waitFor();

    // Links: http(s) addresses are links that open in a new tab without the opener; other schemes stay text.
    await send(member.page, 'Guide: https://example.org/seeds?kind=tomato. Not this: javascript:alert(1) nor <a href="javascript:alert(2)">x</a>');
    const linked = message(owner.page, 'Guide:').locator('.msg-body');
    await linked.waitFor();
    const links = linked.getByRole('link');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe('https://example.org/seeds?kind=tomato');
    expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
    expect(await links.first().getAttribute('target')).toBe('_blank');
    expect(await links.first().textContent()).toBe('https://example.org/seeds?kind=tomato');
    expect(await owner.page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await linked.textContent()).toContain('<a href="javascript:alert(2)">x</a>');

    // Grouping: Ben's next messages follow his first without his name or avatar again; Olga's reply starts a group.
    await send(member.page, 'Second line from Ben');
    await send(member.page, 'Third line from Ben');
    await send(owner.page, 'Olga answers');
    const sender = (page: Page, text: string) => message(page, text).locator('.msg-sender');
    await message(owner.page, 'Third line from Ben').waitFor();
    expect(await sender(owner.page, 'Guide:').textContent()).toBe(ben);
    for (const text of ['Second line from Ben', 'Third line from Ben']) {
      expect(await sender(owner.page, text).count()).toBe(0);
      expect(await message(owner.page, text).locator('.avatar').count()).toBe(0);
      expect(await message(owner.page, text).getAttribute('class')).toContain('msg-grouped');
    }
    await message(member.page, 'Olga answers').waitFor();
    expect(await sender(member.page, 'Olga answers').textContent()).toBe(olga);

    // The emoji picker, by keyboard: search "rocket", ↓ into the grid, Enter picks; Olga sees Ben's reaction.
    await (await actionsOf(member.page, 'Olga answers')).getByRole('button', { name: 'Add reaction' }).click();
    await message(member.page, 'Olga answers').getByRole('button', { name: 'More reactions' }).click();
    const picker = member.page.getByRole('dialog', { name: 'Pick a reaction' });
    await picker.getByRole('button', { name: 'rocket', exact: true }).waitFor();
    await picker.getByLabel('Search emoji').fill('rocket');
    // The rocket itself first, before the astronauts (whose tags say "rocket").
    await picker.getByText('4 emoji found').waitFor();
    expect(await picker.locator('.emoji-cell').first().getAttribute('aria-label')).toBe('rocket');
    await member.page.keyboard.press('ArrowDown');
    expect(await member.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('rocket');
    await member.page.keyboard.press('Enter');
    await expectGone(picker);
    await message(owner.page, 'Olga answers').getByRole('button', { name: '🚀 1' }).waitFor();
    // Browsing without a search: arrows move through the grid; the quick row's 👍 is the same reaction as the grid's.
    await (await actionsOf(owner.page, 'Olga answers')).getByRole('button', { name: 'Add reaction' }).click();
    await message(owner.page, 'Olga answers').getByRole('button', { name: 'More reactions' }).click();
    const ownPicker = owner.page.getByRole('dialog', { name: 'Pick a reaction' });
    await ownPicker.getByLabel('Search emoji').fill('thumbs up');
    await ownPicker.getByRole('button', { name: 'thumbs up', exact: true }).click();
    await message(member.page, 'Olga answers').getByRole('button', { name: '👍 1' }).waitFor();
    await (await actionsOf(member.page, 'Olga answers')).getByRole('button', { name: 'Add reaction' }).click();
    await message(member.page, 'Olga answers').getByRole('button', { name: 'React with 👍' }).click();
    // The chip of one's own reaction stays pressed on one's own page when someone else's reaction arrives (the
    // room's event cannot say whose reactions are whose); the count is what both see.
    await message(owner.page, 'Olga answers').getByRole('button', { name: '👍 2, including you', exact: true }).waitFor();
    expect(await message(owner.page, 'Olga answers').getByRole('button', { name: '🚀 1', exact: true }).count()).toBe(1);
    expect(await message(member.page, 'Olga answers').getByRole('button', { name: '🚀 1, including you', exact: true }).count()).toBe(1);
    // Olga pins Ben's guide: her pins panel lists it.
    const pinsTool = owner.page.getByRole('button', { name: 'Pins' });
    if ((await pinsTool.getAttribute('aria-expanded')) !== 'true') await pinsTool.click();
    await (await actionsOf(owner.page, 'Guide:')).getByRole('button', { name: 'Pin message' }).click();
    await panel(owner.page).getByRole('list', { name: 'Pinned messages' }).getByRole('button', { name: /Guide:/ }).waitFor();
    await owner.page.mouse.move(0, 0);
    await shoot(owner.page, 'demo-chat.png');
    for (const someone of [owner, member]) {
      expect(someone.dialogs).toEqual([]);
      expect(someone.errors).toEqual([]);
    }
  }, 45_000);

  it('shows "Load more" in the public rooms only while there is a next page, and never lists a room twice', async () => {
    const viewer = find(olga);
    const cydAuth = await auth(cyd);
    const ours = new Set<string>();
    // More than one page of public rooms (the dialog shows 20 at a time).
    for (let i = 1; i <= 25; i++) {
      const room = (await t.http().post('/api/v1/chat/rooms').set(cydAuth).send({ type: 'group', title: `Plot ${i} ${suffix}`, isPublic: true, memberIds: [] }).expect(201)).body as { id: string };
      ours.add(room.id);
    }
    const listed = async (dialog: Locator) => dialog.locator('.public-room').evaluateAll((items) => items.map((item) => (item as PageElement).dataset.roomId));

    // Page by page with a click, then again (the dialog opened anew) with double clicks.
    for (const press of ['click', 'dblclick'] as const) {
      await viewer.page.getByRole('button', { name: 'Browse public' }).click();
      const dialog = viewer.page.getByRole('dialog', { name: 'Public rooms' });
      const more = dialog.getByRole('button', { name: 'Load more' });
      await more.waitFor();
      expect(await dialog.locator('.public-room').count()).toBe(20);
      while (await more.isVisible()) {
        const before = await dialog.locator('.public-room').count();
        await more[press]();
        // The page is in once the list grew; "Load more" is shown or hidden in the same step.
        await dialog.locator('.public-room').nth(before).waitFor();
      }
      const ids = await listed(dialog);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ours) expect(ids).toContain(id);
      await viewer.page.keyboard.press('Escape');
      await expectGone(dialog);
    }
    expect(viewer.dialogs).toEqual([]);
  }, 60_000);

  it('on a phone: the message actions show above the bubble on a tap, the thread keeps its reply box, and Leave reads "Leave room"', async () => {
    const owner = find(olga);
    const phone = await person(ben, { viewport: PHONE, isMobile: true, hasTouch: true });
    await signIn(phone, 'Log in');
    await roomLink(phone.page, 'Seed swap').click();
    await heading(phone.page, 'Seed swap').waitFor();
    expect(await phone.page.locator('.sidebar').isVisible()).toBe(false);

    // Leave: a clear name for an icon-only button, inside the screen.
    const leave = phone.page.getByRole('button', { name: 'Leave room' });
    expect(await leave.getAttribute('title')).toBe('Leave room');
    const leaveBox = await box(leave);
    expect(leaveBox.x + leaveBox.width).toBeLessThanOrEqual(PHONE.width);

    // A long message uses the width of the screen: its actions do not take room beside the bubble.
    const long = 'A long message about the seed swap: bring labelled envelopes, a pen, and the seeds you saved this year.';
    await send(owner.page, long);
    const bubble = message(phone.page, long).locator('.msg-main');
    await bubble.waitFor();
    const list = await box(phone.page.locator('.room-column .message-list'));
    const before = await box(bubble);
    expect(before.width).toBeGreaterThan(list.width * 0.8);
    const actions = message(phone.page, long).getByRole('group', { name: 'Message actions' });
    expect(await actions.evaluate(seen)).toBe(false);
    // A tap shows them over the bubble's top edge, inside the screen, and the bubble keeps its size.
    await message(phone.page, long).locator('.msg-body').tap();
    await phone.page.waitForFunction(seen, await actions.elementHandle());
    const shown = await box(actions);
    expect(shown.x).toBeGreaterThanOrEqual(0);
    expect(shown.x + shown.width).toBeLessThanOrEqual(PHONE.width);
    expect(shown.y).toBeLessThan(before.y + 8);
    expect(await box(bubble)).toEqual(before);

    // The thread covers the room and keeps its reply box and Send button on the screen.
    await actions.getByRole('button', { name: 'Reply in thread' }).tap();
    const thread = panel(phone.page);
    await thread.getByRole('heading', { name: 'Thread' }).waitFor();
    const reply = thread.getByRole('textbox', { name: 'Reply in thread' });
    const sendButton = thread.getByRole('button', { name: 'Send' });
    for (const control of [reply, sendButton]) {
      expect(await control.isVisible()).toBe(true);
      const at = await box(control);
      expect(at.y).toBeGreaterThanOrEqual(0);
      expect(at.y + at.height).toBeLessThanOrEqual(PHONE.height);
      expect(at.x + at.width).toBeLessThanOrEqual(PHONE.width);
    }
    await reply.fill('I will bring beans');
    await sendButton.tap();
    await thread.getByText('I will bring beans').waitFor();
    await message(owner.page, long).getByRole('button', { name: '1 reply' }).waitFor();
    await phone.page.mouse.move(0, 0);
    await shoot(phone.page, 'demo-thread-phone.png');
    await thread.getByRole('button', { name: 'Close thread' }).tap();

    // Pins and search open as panels over the room, and a result brings the room back with the message in view.
    await phone.page.getByRole('button', { name: 'Search' }).tap();
    await panel(phone.page).getByLabel('Search messages').fill('labelled envelopes');
    await panel(phone.page).getByRole('list', { name: 'Search results' }).getByRole('button', { name: /labelled envelopes/ }).tap();
    await expectGone(panel(phone.page).getByRole('heading', { name: 'Search' }));
    await message(phone.page, long).and(phone.page.locator('.msg-highlight')).waitFor();
    expect(phone.dialogs).toEqual([]);
    expect(phone.errors).toEqual([]);
  }, 45_000);
});
