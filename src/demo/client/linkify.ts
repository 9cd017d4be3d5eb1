// Clickable links in message text. Only http and https addresses become links (never `javascript:`, `data:` and the
// like); each is an <a> built through the DOM with the address as its text, opening in a new tab without giving it
// the opener or the referrer. The rest of the text stays text nodes, so no markup in a message is ever parsed.
import { h } from './dom';

/** An address as people write it: the scheme, then everything up to a space or a quote-like character. */
const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Characters that end a sentence rather than an address ("see https://x.org."). */
const TRAILING = /[.,;:!?'"»”’]+$/;

/** The part of a candidate that is the address: trailing punctuation dropped, and a closing bracket kept only when it is balanced. */
function trim(candidate: string): string {
  let text = candidate.replace(TRAILING, '');
  for (const [open, close] of [['(', ')'], ['[', ']']] as const) {
    while (text.endsWith(close) && text.split(close).length > text.split(open).length) text = text.slice(0, -1).replace(TRAILING, '');
  }
  return text;
}

/** The address as a safe href (http or https, parsed by the browser), or null. */
export function safeHref(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'msg-link' }, text);
}

/** `text` as text and links, in order: strings stay strings (the caller's `h` makes them text nodes). */
export function linkify(text: string): Array<string | HTMLAnchorElement> {
  const parts: Array<string | HTMLAnchorElement> = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const address = trim(match[0]);
    const href = safeHref(address);
    if (!href) continue;
    const start = match.index;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(link(href, address));
    at = start + address.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

/** Links in the text parts of a body already split into mentions: mention chips stay as they are. */
export function linkifyParts(parts: Array<Node | string>): Array<Node | string> {
  return parts.flatMap<Node | string>((part) => (typeof part === 'string' ? linkify(part) : [part]));
}
