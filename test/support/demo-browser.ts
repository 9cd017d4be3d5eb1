import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

/**
 * The demo web client in a real browser (Debian's chromium, driven by playwright-core), for the demo's browser tests:
 * the client is built first (scripts/build-demo.js, into dist/demo, the folder the server serves), so a test always
 * runs the current sources.
 */
export const ROOT = resolve(__dirname, '..', '..');
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
/** `PARLEY_DEMO_SCREENSHOTS=1`: the tests also save the screenshots of the README to docs/. */
export const SCREENSHOTS = process.env.PARLEY_DEMO_SCREENSHOTS ? join(ROOT, 'docs') : null;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** How long a step waits for what it expects to see. */
export const WAIT = 10_000;
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
  /** Every alert/confirm/prompt the page opened (none expected: the client uses its own dialogs). */
  dialogs: string[];
  /** Console errors (a CSP violation would show here). */
  errors: string[];
}

/** Builds the demo client and starts chromium. */
export async function launchDemoBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set PARLEY_CHROMIUM)`);
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-demo.js')], { cwd: ROOT, stdio: 'pipe' });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A new browser context (a person's own browser) on the demo page, recording dialogs and console errors. */
export async function openDemo(browser: Browser, name: string, url: string, options: BrowserContextOptions = {}): Promise<Person> {
  const context = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, reducedMotion: 'reduce', ...options });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  const person: Person = { name, context, page, dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    person.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.includes(ADMIN_PROBE)) person.errors.push(message.text());
  });
  page.on('pageerror', (error) => person.errors.push(error.message));
  await page.goto(`${url}/`);
  return person;
}

export async function signIn(person: Person, mode: 'Create account' | 'Log in'): Promise<void> {
  await person.page.getByLabel('Username').fill(person.name);
  await person.page.getByLabel('Password', { exact: true }).fill('correct horse');
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
