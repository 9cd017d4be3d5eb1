// Small DOM helpers. User content only ever reaches the page as text nodes or attribute values set through the
// DOM API: nothing here (or anywhere in the client) assigns innerHTML.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * `h('button', { class: 'x', onclick: fn, 'aria-label': 'Close' }, 'text', child)`: strings become text nodes;
 * `on*` keys add listeners; `true` sets a bare attribute, `false`/`null`/`undefined` leaves it out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces the children of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "14:05" today, "Mar 3" before. */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

export const fullTime = (iso: string): string => fullFormat.format(new Date(iso));

/** A random UUID; crypto.randomUUID exists only in secure contexts (not on plain http from another machine). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Calls `fn` once `ms` have passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: number | undefined;
  return (...args: A) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

/** Keeps keyboard focus on the "same" control when a block is re-rendered (controls carry `data-focus`). */
export function swapKeepingFocus(old: Element, next: Element): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && old.contains(active) ? active.dataset.focus : undefined;
  old.replaceWith(next);
  if (key) next.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`)?.focus();
}

let announcer: HTMLElement | null = null;

/** A short status message at the bottom of the screen, read out by screen readers. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  announcer ??= document.getElementById('toasts');
  if (!announcer) return;
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  announcer.append(item);
  window.setTimeout(() => item.remove(), kind === 'error' ? 6000 : 3500);
}

/** A modal <dialog> that resolves true when confirmed. */
export function confirmDialog(question: string, confirmLabel = 'OK'): Promise<boolean> {
  return new Promise((resolve) => {
    const title = h('p', { id: 'confirm-text' }, question);
    const dialog = h('dialog', { class: 'dialog dialog-small', 'aria-labelledby': 'confirm-text' });
    const done = (value: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const ok = h('button', { type: 'button', class: 'danger', onclick: () => done(true) }, confirmLabel);
    append(dialog, title, h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: () => done(false) }, 'Cancel'), ok));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    ok.focus();
  });
}

/** Initials for an avatar: "ann" → "AN", "Ann Lee" → "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : name.trim().slice(0, 2);
  return letters.toUpperCase() || '?';
}

/** A stable hue for a name, for avatars. */
export function hue(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) % 360;
  return hash;
}
