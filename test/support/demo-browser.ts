import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

/**
 * The demo web client in a real browser (Debian's chromium, driven by playwright-core), for the demo's browser tests:
 * building the client (scripts/build-demo.js, into dist/demo, the folder the server serves, so a test always runs the
 * current sources), launching the browser, and the steps every browser test repeats (open a page for a person, sign
 * in, the composer, a message).
 */
export const ROOT = resolve(__dirname, '..', '..');
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
/** `PARLEY_DEMO_SCREENSHOTS=1`: the tests also save the screenshots of the README to docs/. */
export const SCREENSHOTS = process.env.PARLEY_DEMO_SCREENSHOTS ? join(ROOT, 'docs') : null;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** How long a step may wait for the page (the machine may be shared with other test runs: generous). */
export const WAIT = 15_000;
/** How long loading a page may take (the bundle is parsed and run before `load`). */
const NAVIGATION_WAIT = 30_000;
/**
 * The client asks `GET /admin/audit?limit=1` to learn whether the user is a server administrator: the 404 of
 * everybody else is its expected answer, which the browser logs all the same.
 */
const ADMIN_PROBE = '/api/v1/chat/admin/audit?limit=1';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Every alert/confirm/prompt a page opened (none expected: the client uses its own dialogs). */
  dialogs: string[];
  /** Console errors and uncaught exceptions of the person's pages (a CSP violation would show here). */
  errors: string[];
}

/** Builds the client into dist/demo (the folder the server serves). */
export function buildDemoClient(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-demo.js')], { cwd: ROOT, stdio: 'pipe' });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set PARLEY_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Builds the demo client and starts chromium. */
export async function launchDemoBrowser(): Promise<Browser> {
  buildDemoClient();
  return launchBrowser();
}

/** Records a page's dialogs and errors on its person (for pages opened later in the same context too). */
export function watchPage(person: Person, page: Page): Page {
  page.on('dialog', (dialog) => {
    person.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.includes(ADMIN_PROBE)) person.errors.push(message.text());
  });
  page.on('pageerror', (error) => person.errors.push(error.message));
  return page;
}

/** A new browser context (a person's own browser and storage) on the demo page, recording dialogs and console errors. */
export async function openDemo(browser: Browser, name: string, url: string, options: BrowserContextOptions = {}): Promise<Person> {
  const context = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, reducedMotion: 'reduce', ...options });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(NAVIGATION_WAIT);
  const person: Person = { name, context, page: undefined as unknown as Page, dialogs: [], errors: [] };
  person.page = watchPage(person, await context.newPage());
  await person.page.goto(`${url}/`);
  return person;
}

/** `openDemo` with a viewport. */
export function openPerson(browser: Browser, url: string, name: string, viewport = DESKTOP): Promise<Person> {
  return openDemo(browser, name, url, { viewport });
}

export async function signIn(person: Person, mode: 'Create account' | 'Log in', password = 'correct horse'): Promise<void> {
  await person.page.getByLabel('Username').fill(person.name);
  await person.page.getByLabel('Password', { exact: true }).fill(password);
  await person.page.getByRole('button', { name: mode }).click();
  await person.page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
}

/** Saves a screenshot for the README (only with PARLEY_DEMO_SCREENSHOTS set), without the passing status messages. */
export async function shoot(page: Page, file: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate('document.getElementById("toasts").replaceChildren()');
  await page.screenshot({ path: join(SCREENSHOTS, file) });
}

/** The session of a signed-in page: the user's id and token. */
export async function sessionOf(page: Page): Promise<{ token: string; user: { id: string } }> {
  return JSON.parse((await page.evaluate('sessionStorage.getItem("parley.session")')) as string) as { token: string; user: { id: string } };
}

/** The room's message box. */
export const composer = (page: Page): Locator => page.getByRole('textbox', { name: /^Message / });
/** Messages of the open room (not of a thread panel) with this text. */
export const message = (page: Page, text: string | RegExp): Locator => page.locator('.room-column .msg').filter({ hasText: text });

export async function expectGone(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'detached' });
}
