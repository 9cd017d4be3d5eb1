// `@` mentions: the member picker of the composer, the user ids a text mentions, and the highlighted `@name`s of
// a message body. A mention is written `@<name>` (the member's display name, else their user id).
import { h, hue, initials, replace, uuid } from './dom';

/** Someone who can be mentioned: a member of the room other than the viewer. */
export interface MentionCandidate {
  userId: string;
  name: string;
}

/** A character that may continue a name: `@ann` is not a mention of "an". */
const NAME_CHAR = /[\p{L}\p{N}_.-]/u;
const MAX_SHOWN = 8;

/** Whether `@name` starts at `index` of `text` (after a space or the start, and not followed by more of a name). */
function mentionAt(text: string, index: number, name: string): boolean {
  if (text[index] !== '@' || !text.startsWith(name, index + 1)) return false;
  if (index > 0 && !/\s|[(\[{"'“‘]/u.test(text[index - 1])) return false;
  const after = text[index + 1 + name.length];
  // A trailing dot or dash ends a sentence rather than a name ("thanks @ann.").
  return after === undefined || !NAME_CHAR.test(after) || (/[.-]/.test(after) && !NAME_CHAR.test(text[index + 2 + name.length] ?? ' '));
}

/**
 * The `@name` spans of `text`, for the given people, longest name first where two start at the same place (so
 * "@ann lee" wins over "@ann"); they never overlap.
 */
export function mentionSpans(text: string, people: MentionCandidate[]): Array<{ start: number; end: number; userId: string }> {
  const sorted = [...people].filter((p) => p.name).sort((a, b) => b.name.length - a.name.length);
  const spans: Array<{ start: number; end: number; userId: string }> = [];
  for (let index = text.indexOf('@'); index !== -1; index = text.indexOf('@', index + 1)) {
    const match = sorted.find((person) => mentionAt(text, index, person.name));
    if (!match) continue;
    spans.push({ start: index, end: index + 1 + match.name.length, userId: match.userId });
    index += match.name.length;
  }
  return spans;
}

/** The user ids `text` mentions among `people`, each once, in order of appearance. */
export function mentionedIds(text: string, people: MentionCandidate[]): string[] {
  return [...new Set(mentionSpans(text, people).map((span) => span.userId))];
}

/**
 * A message body as text nodes, with its mentions (only the user ids the message carries) in `<span
 * class="mention">`, the viewer's own as `mention mention-me`.
 */
export function mentionBody(body: string, mentions: string[], nameOf: (userId: string) => string, meId: string): Array<Node | string> {
  if (mentions.length === 0) return [body];
  const spans = mentionSpans(
    body,
    mentions.map((userId) => ({ userId, name: nameOf(userId) })),
  );
  const parts: Array<Node | string> = [];
  let at = 0;
  for (const span of spans) {
    if (span.start > at) parts.push(body.slice(at, span.start));
    parts.push(h('span', { class: span.userId === meId ? 'mention mention-me' : 'mention', 'data-user-id': span.userId }, body.slice(span.start, span.end)));
    at = span.end;
  }
  if (at < body.length) parts.push(body.slice(at));
  return parts;
}

/**
 * The member picker of a textarea: typing `@` and a few letters lists the matching members (a listbox above the
 * box, the textarea keeping the focus); ↑/↓ move, Enter or Tab picks, Escape closes. Picking writes `@name ` in
 * place of what was typed.
 */
export class MentionPicker {
  readonly element: HTMLUListElement;
  private matches: MentionCandidate[] = [];
  private active = 0;
  /** Where the `@` being completed is in the text, or -1 when the picker is closed. */
  private start = -1;
  private readonly id = `mentions-${uuid().slice(0, 8)}`;

  constructor(
    private readonly textarea: HTMLTextAreaElement,
    private readonly candidates: () => MentionCandidate[],
  ) {
    this.element = h('ul', { class: 'mention-picker', id: this.id, role: 'listbox', 'aria-label': 'Mention someone', hidden: true });
    // A textarea keeps its textbox role (HTML allows no other); the list is tied to it by aria-controls and the
    // highlighted option by aria-activedescendant.
    textarea.setAttribute('aria-autocomplete', 'list');
    textarea.setAttribute('aria-controls', this.id);
    textarea.addEventListener('input', () => this.update());
    textarea.addEventListener('click', () => this.update());
    textarea.addEventListener('blur', () => window.setTimeout(() => this.close(), 150));
  }

  get open(): boolean {
    return this.start !== -1;
  }

  /** Keys while the picker is open; true when the key was the picker's (the caller then does nothing else). */
  handleKey(event: KeyboardEvent): boolean {
    if (!this.open || event.isComposing) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : this.matches.length - 1)) % this.matches.length;
      this.render();
    } else if (event.key === 'Enter' || event.key === 'Tab') this.pick(this.matches[this.active]);
    else if (event.key === 'Escape') this.close();
    else return false;
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  /** Opens, filters or closes the list from the text before the caret. */
  private update(): void {
    const caret = this.textarea.selectionStart;
    if (caret !== this.textarea.selectionEnd) return this.close();
    const before = this.textarea.value.slice(0, caret);
    const match = /(^|[\s(\[{"'“‘])@([^\s@]{0,40})$/u.exec(before);
    if (!match) return this.close();
    const query = match[2].toLowerCase();
    const people = this.candidates();
    this.matches = [
      ...people.filter((p) => p.name.toLowerCase().startsWith(query)),
      ...people.filter((p) => !p.name.toLowerCase().startsWith(query) && (p.name.toLowerCase().includes(query) || p.userId.toLowerCase().startsWith(query))),
    ].slice(0, MAX_SHOWN);
    if (this.matches.length === 0) return this.close();
    const start = caret - match[2].length - 1;
    if (start !== this.start) this.active = 0;
    this.start = start;
    this.active = Math.min(this.active, this.matches.length - 1);
    this.render();
  }

  private pick(person: MentionCandidate | undefined): void {
    if (!person || this.start === -1) return;
    const value = this.textarea.value;
    const caret = this.textarea.selectionStart;
    const inserted = `@${person.name} `;
    this.textarea.value = value.slice(0, this.start) + inserted + value.slice(caret).replace(/^ /, '');
    const at = this.start + inserted.length;
    this.textarea.setSelectionRange(at, at);
    this.close();
    this.textarea.focus();
    // The composer resizes and reports typing on input.
    this.textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  close(): void {
    if (this.start === -1 && this.element.hidden) return;
    this.start = -1;
    this.matches = [];
    this.element.hidden = true;
    replace(this.element);
    this.textarea.removeAttribute('aria-activedescendant');
  }

  private render(): void {
    this.element.hidden = false;
    replace(
      this.element,
      ...this.matches.map((person, index) => {
        const avatar = h('span', { class: 'avatar avatar-small', 'aria-hidden': 'true' }, initials(person.name));
        avatar.style.setProperty('--hue', String(hue(person.name)));
        const option = h('li', { id: `${this.id}-${index}`, role: 'option', class: 'mention-option', 'aria-selected': String(index === this.active) }, avatar, h('span', {}, person.name));
        // mousedown, not click: the textarea keeps the focus (and the caret).
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          this.pick(person);
        });
        return option;
      }),
    );
    this.textarea.setAttribute('aria-activedescendant', `${this.id}-${this.active}`);
  }
}
