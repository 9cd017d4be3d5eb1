// A message as one line of a list outside the history (pins, search results): sender, time and the start of its
// text, as one button that opens the message in the room. Text only: the body is never parsed as markup.
import { fullTime, h, shortTime } from './dom';
import type { Message } from './types';

const EXCERPT = 160;

/** The body cut to a readable length around `match` (the search text), with the matches marked. */
function excerpt(message: Message, match?: string): Array<Node | string> {
  const body = message.body || (message.images.length > 0 ? 'Image' : '');
  const lower = body.toLowerCase();
  const needle = match?.trim().toLowerCase() ?? '';
  // A match far into a long message: the excerpt starts a little before it.
  const first = needle ? lower.indexOf(needle) : -1;
  const start = first > EXCERPT / 2 ? first - 40 : 0;
  const text = (start > 0 ? '…' : '') + body.slice(start, start + EXCERPT) + (body.length > start + EXCERPT ? '…' : '');
  if (!needle) return [text];
  const parts: Array<Node | string> = [];
  const textLower = text.toLowerCase();
  let at = 0;
  for (let index = textLower.indexOf(needle); index !== -1; index = textLower.indexOf(needle, index + needle.length)) {
    if (index > at) parts.push(text.slice(at, index));
    parts.push(h('mark', {}, text.slice(index, index + needle.length)));
    at = index + needle.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

export function messageCard(message: Message, sender: string, open: () => void, match?: string): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: 'message-card', 'data-message-id': message.id, 'data-focus': `card-${message.id}`, onclick: open },
    h(
      'span',
      { class: 'message-card-meta' },
      h('span', { class: 'msg-sender' }, sender),
      ' ',
      h('time', { datetime: message.createdAt, title: fullTime(message.createdAt) }, shortTime(message.createdAt)),
      message.parentId ? h('span', { class: 'hint' }, ' · in a thread') : null,
    ),
    h('span', { class: 'message-card-text' }, ...excerpt(message, match)),
  );
}
