// Notifications in the demo: the bell that turns on this browser's Web Push notifications, and the per-room
// notification menu (level, timed mute). See "Notifications" in the API contract.
import type { Api } from './api';
import { h, replace, toast } from './dom';
import { icon } from './icons';
import type { NotificationLevel, NotificationSettings, Room, RoomMe } from './types';

import { errorText } from './errors';

// ---- a room's settings ---------------------------------------------------------------------------------------

/** The viewer's settings in a room (a server that does not send them yet: `all`, or `none` when muted). */
export function settingsOf(me: RoomMe): NotificationSettings {
  return me.notifications ?? { level: me.muted ? 'none' : 'all', mutedUntil: null };
}

/** A timed mute that has not ended yet. */
export function mutedFor(settings: NotificationSettings, now = Date.now()): boolean {
  return settings.mutedUntil !== null && Date.parse(settings.mutedUntil) > now;
}

/** Muted now: level `none`, or a timed mute still running (the server's `me.muted`, kept true to the clock). */
export function isMuted(me: RoomMe | null | undefined, now = Date.now()): boolean {
  if (!me) return false;
  if (!me.notifications) return me.muted;
  return me.notifications.level === 'none' || mutedFor(me.notifications, now);
}

/** When the earliest timed mute among these rooms ends (so the views can be drawn again then), or null. */
export function nextMuteEnd(rooms: Iterable<Room>, now = Date.now()): number | null {
  let next: number | null = null;
  for (const room of rooms) {
    const until = room.me?.notifications?.mutedUntil;
    const at = until ? Date.parse(until) : NaN;
    if (at > now && (next === null || at < next)) next = at;
  }
  return next;
}

const dayTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "All messages", "Mentions only", "Muted", "Muted until 15:30". */
export function settingsLabel(settings: NotificationSettings, now = Date.now()): string {
  if (settings.level === 'none') return 'Muted';
  if (mutedFor(settings, now)) {
    const until = new Date(settings.mutedUntil!);
    return `Muted until ${until.toDateString() === new Date(now).toDateString() ? dayTime.format(until) : dateTime.format(until)}`;
  }
  return settings.level === 'mentions' ? 'Mentions only' : 'All messages';
}

type Choice = { level: NotificationLevel; mutedUntil: string | null };
const HOUR = 3_600_000;

/**
 * The notification menu of the open room (a menu button in its header): what to be notified about (all messages,
 * mentions only) and muting (for 1 or 8 hours, keeping the level; or until turned back on, which is level `none`).
 * Each choice is one `PUT /rooms/{roomId}/notifications`; the menu shows `me.notifications` of the room it is given.
 * The element is kept across header renders, so an open menu stays open.
 */
export class NotificationMenu {
  readonly element: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private room: Room | null = null;
  private busy = false;

  constructor(
    private readonly api: Api,
    private readonly changed: (room: Room) => void,
  ) {
    this.button = h('button', {
      type: 'button',
      class: 'tool',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': 'notification-menu',
      'data-focus': 'notifications',
      onclick: () => (this.menu.hidden ? this.openMenu() : this.closeMenu(true)),
    });
    this.menu = h('div', { class: 'menu', id: 'notification-menu', role: 'menu', 'aria-label': 'Notifications for this room', hidden: true });
    this.menu.addEventListener('keydown', (event) => this.onKey(event));
    // Focus leaving the menu closes it; checked once the focus has landed (a click moves it in steps, and a header
    // render moves the menu and puts the focus back).
    this.menu.addEventListener('focusout', () => {
      window.setTimeout(() => {
        if (!this.element.contains(document.activeElement)) this.closeMenu(false);
      });
    });
    this.element = h('div', { class: 'menu-anchor' }, this.button, this.menu);
  }

  /** Draws the button (and an open menu) for the room as it is now. */
  update(room: Room): void {
    this.room = room;
    const me = room.me;
    this.button.hidden = !me;
    if (!me) return;
    const settings = settingsOf(me);
    const muted = isMuted(me);
    const label = settingsLabel(settings);
    this.button.setAttribute('aria-label', `Notifications: ${label}`);
    this.button.title = muted ? `Notifications are off for this room (${label.toLowerCase()})` : `Notifications: ${label.toLowerCase()}`;
    replace(this.button, icon(muted ? 'bellOff' : 'bell', 16), h('span', { class: 'tool-label' }, muted ? 'Muted' : settings.level === 'mentions' ? 'Mentions' : 'Notify'));
    if (!this.menu.hidden) this.renderMenu();
  }

  private openMenu(): void {
    if (!this.room?.me) return;
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.renderMenu();
    (this.menu.querySelector<HTMLElement>('[aria-checked="true"]') ?? this.items()[0])?.focus();
  }

  private closeMenu(focusButton: boolean): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (focusButton) this.button.focus();
  }

  private items(): HTMLElement[] {
    return [...this.menu.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
  }

  private onKey(event: KeyboardEvent): void {
    const items = this.items();
    const index = items.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = (index + 1) % items.length;
    else if (event.key === 'ArrowUp') next = (index - 1 + items.length) % items.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = items.length - 1;
    else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.closeMenu(true);
      return;
    } else if (event.key === 'Tab') this.closeMenu(false);
    if (next === null) return;
    event.preventDefault();
    items[next]?.focus();
  }

  private renderMenu(): void {
    const me = this.room?.me;
    if (!me) return;
    const settings = settingsOf(me);
    const timed = mutedFor(settings);
    const level: NotificationLevel = settings.level === 'none' ? 'all' : settings.level;
    const keepMute = timed ? settings.mutedUntil : null;
    const later = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
    const item = (label: string, focus: string, choice: () => Choice, checked?: boolean) =>
      h(
        'button',
        {
          type: 'button',
          role: checked === undefined ? 'menuitem' : 'menuitemradio',
          'aria-checked': checked === undefined ? null : String(checked),
          class: 'menu-item',
          tabindex: -1,
          'data-focus': focus,
          onclick: () => void this.choose(choice()),
        },
        h('span', { class: 'menu-check', 'aria-hidden': 'true' }, checked ? '✓' : ''),
        label,
      );
    const muted = settings.level === 'none' || timed;
    const active = document.activeElement instanceof HTMLElement && this.menu.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    replace(
      this.menu,
      h(
        'div',
        { role: 'group', 'aria-labelledby': 'notify-about' },
        h('p', { class: 'menu-heading', id: 'notify-about' }, 'Notify me about'),
        item('All messages', 'level-all', () => ({ level: 'all', mutedUntil: keepMute }), settings.level === 'all'),
        item('Mentions only', 'level-mentions', () => ({ level: 'mentions', mutedUntil: keepMute }), settings.level === 'mentions'),
      ),
      h('div', { role: 'separator' }),
      h(
        'div',
        { role: 'group', 'aria-labelledby': 'notify-mute' },
        h('p', { class: 'menu-heading', id: 'notify-mute' }, timed ? settingsLabel(settings) : 'Mute'),
        item('Mute for 1 hour', 'mute-1', () => ({ level, mutedUntil: later(1) })),
        item('Mute for 8 hours', 'mute-8', () => ({ level, mutedUntil: later(8) })),
        item('Mute until I turn it back on', 'mute-none', () => ({ level: 'none', mutedUntil: null }), settings.level === 'none'),
        muted ? item('Unmute', 'unmute', () => ({ level, mutedUntil: null })) : null,
      ),
    );
    if (active) this.menu.querySelector<HTMLElement>(`[data-focus="${active}"]`)?.focus();
  }

  private async choose(choice: Choice): Promise<void> {
    const room = this.room;
    if (!room || this.busy) return;
    this.busy = true;
    this.closeMenu(true);
    try {
      const updated = await this.api.setNotifications(room.id, choice.level, choice.mutedUntil);
      this.changed(updated);
      if (updated.me) toast(`${updated.title}: ${settingsLabel(settingsOf(updated.me)).toLowerCase()}`);
    } catch (error) {
      toast(`Could not change the notifications: ${errorText(error)}`, 'error');
    } finally {
      this.busy = false;
    }
  }
}

// ---- the bell: Web Push in this browser ---------------------------------------------------------------------

/** localStorage: the user who turned this browser's notifications on (another user signing in must turn them on). */
const PUSH_OWNER_KEY = 'parley.push.user';

type BellState = 'off' | 'on' | 'working' | 'blocked' | 'unsupported';

const base64url = (bytes: ArrayBuffer | null): string =>
  bytes ? btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : '';

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const pushSupported = (): boolean => window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/**
 * The bell of the top bar: turns on notifications for this browser. Shown only when the server can send Web Push
 * (`GET /notifications/config` has a VAPID key). Turning on registers the service worker (`/sw.js`, scope `/`),
 * asks the browser's permission, subscribes with the server's VAPID key and sends the subscription to `POST
 * /devices`; turning off deletes the device and unsubscribes. After a reload it registers the subscription again
 * (the same endpoint answers 200); logging out turns it off, so the next person on this browser starts without.
 */
export class PushBell {
  readonly element: HTMLButtonElement;
  private state: BellState = 'off';
  private vapidKey: string | null = null;
  private deviceId: string | null = null;
  private registration: ServiceWorkerRegistration | null = null;

  constructor(
    private readonly api: Api,
    private readonly userId: string,
    private readonly openRoom: (roomId: string) => void,
  ) {
    this.element = h('button', { type: 'button', class: 'bell', hidden: true, onclick: () => void this.toggle() });
  }

  async start(): Promise<void> {
    try {
      this.vapidKey = (await this.api.notificationsConfig()).webpush?.vapidPublicKey ?? null;
    } catch {
      this.vapidKey = null;
    }
    if (!this.vapidKey) return;
    this.element.hidden = false;
    if (!pushSupported()) return this.render('unsupported');
    navigator.serviceWorker.addEventListener('message', this.onMessage);
    navigator.serviceWorker.startMessages();
    try {
      this.registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    } catch (error) {
      toast(`Notifications are unavailable: ${errorText(error)}`, 'error');
      return this.render('unsupported');
    }
    if (Notification.permission === 'denied') return this.render('blocked');
    const subscription = await this.registration.pushManager.getSubscription().catch(() => null);
    if (subscription && Notification.permission === 'granted' && localStorage.getItem(PUSH_OWNER_KEY) === this.userId && this.sameKey(subscription)) {
      try {
        this.deviceId = (await this.api.registerWebPush(this.subscriptionBody(subscription))).id;
        return this.render('on');
      } catch {
        // registered again on the next click
      }
    }
    this.render('off');
  }

  /** On log out: this browser stops getting the user's notifications. */
  async stop(): Promise<void> {
    navigator.serviceWorker?.removeEventListener('message', this.onMessage);
    if (this.state !== 'on') return;
    await this.turnOff().catch(() => undefined);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const data = event.data as { type?: unknown; roomId?: unknown } | null;
    if (data?.type === 'parley.open-room' && typeof data.roomId === 'string') this.openRoom(data.roomId);
  };

  private sameKey(subscription: PushSubscription): boolean {
    return base64url(subscription.options.applicationServerKey) === this.vapidKey;
  }

  private subscriptionBody(subscription: PushSubscription): { endpoint: string; keys: { p256dh: string; auth: string } } {
    return { endpoint: subscription.endpoint, keys: { p256dh: base64url(subscription.getKey('p256dh')), auth: base64url(subscription.getKey('auth')) } };
  }

  private async toggle(): Promise<void> {
    if (this.state === 'working' || this.state === 'unsupported') return;
    if (this.state === 'on') {
      this.render('working');
      try {
        await this.turnOff();
        toast('Notifications are off in this browser');
      } catch (error) {
        toast(`Could not turn notifications off: ${errorText(error)}`, 'error');
        this.render('on');
      }
      return;
    }
    this.render('working');
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        toast(permission === 'denied' ? 'Notifications are blocked for this site in your browser settings' : 'Notifications were not allowed');
        return this.render(permission === 'denied' ? 'blocked' : 'off');
      }
      const registration = this.registration ?? (await navigator.serviceWorker.register('/sw.js', { scope: '/' }));
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !this.sameKey(subscription)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(this.vapidKey!) });
      this.deviceId = (await this.api.registerWebPush(this.subscriptionBody(subscription))).id;
      localStorage.setItem(PUSH_OWNER_KEY, this.userId);
      this.render('on');
      toast('Notifications are on: you will be told about new messages while Parley is closed');
    } catch (error) {
      toast(`Could not turn notifications on: ${errorText(error)}`, 'error');
      this.render('off');
    }
  }

  private async turnOff(): Promise<void> {
    if (this.deviceId) await this.api.removeDevice(this.deviceId);
    this.deviceId = null;
    localStorage.removeItem(PUSH_OWNER_KEY);
    const subscription = await this.registration?.pushManager.getSubscription();
    await subscription?.unsubscribe();
    this.render('off');
  }

  private render(state: BellState): void {
    this.state = state;
    const on = state === 'on';
    const label = {
      off: 'Turn on notifications',
      on: 'Notifications on',
      working: 'Turning notifications on or off…',
      blocked: 'Notifications blocked',
      unsupported: 'Notifications unavailable',
    }[state];
    const title = {
      off: 'Get notified about new messages while Parley is closed',
      on: 'You get notifications in this browser. Click to turn them off.',
      working: label,
      blocked: 'Notifications are blocked for this site in your browser settings',
      unsupported: 'This browser cannot receive push notifications here (they need HTTPS, or localhost)',
    }[state];
    this.element.setAttribute('aria-label', label);
    this.element.setAttribute('aria-pressed', String(on));
    this.element.title = title;
    this.element.disabled = state === 'working' || state === 'blocked' || state === 'unsupported';
    this.element.dataset.state = state;
    replace(this.element, icon(on ? 'bell' : 'bellOff', 18));
  }
}
