import { fullTime, h, hue, initials, shortTime, swapKeepingFocus } from './dom';
import type { ImageCache } from './images';
import type { LocalMessage } from './types';
import { icon } from './icons';
import { MentionPicker, mentionBody, type MentionCandidate } from './mentions';
import { linkifyParts } from './linkify';
import { emojiPickerDialog } from './emoji-picker';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/** Consecutive messages of one sender this close together are shown as one group (name and avatar once). */
export const GROUP_WINDOW_MS = 5 * 60_000;

/** Whether `message` continues the group of `previous`: same sender, same thread level, a few minutes apart. */
export function continuesGroup(previous: LocalMessage | undefined, message: LocalMessage): boolean {
  if (!previous || previous.senderId === null || message.senderId === null || previous.type === 'system' || message.type === 'system') return false;
  if (previous.senderId !== message.senderId || previous.parentId !== message.parentId) return false;
  const gap = Date.parse(message.createdAt) - Date.parse(previous.createdAt);
  return gap >= 0 && gap <= GROUP_WINDOW_MS;
}

/** What a message list needs from the room around it. */
export interface MessageContext {
  meId: string;
  images: ImageCache;
  /** The display name of a user id. */
  nameOf(userId: string): string;
  /** Whether a user is a guest (their name is marked). */
  isGuest(userId: string): boolean;
  /** Who an edit can `@`-mention. */
  mentionCandidates(): MentionCandidate[];
  /** Whether the viewer may delete this message (sender, or owner/admin of the room). */
  canDelete(message: LocalMessage): boolean;
  /** Whether the viewer may report this message (someone else's, in a room of members). */
  canReport(message: LocalMessage): boolean;
  /** Whether the viewer may pin and unpin messages (owner and admins, as the server's rule). */
  canPin(message: LocalMessage): boolean;
  /** "Seen by …" under the viewer's newest message, or null. */
  seenLine(message: LocalMessage): string | null;
  /** Shows the thread button (top-level messages in the room list, not replies). */
  threads: boolean;
  react(message: LocalMessage, emoji: string, on: boolean): void;
  edit(message: LocalMessage, body: string): Promise<void>;
  remove(message: LocalMessage): void;
  report(message: LocalMessage): void;
  pin(message: LocalMessage, on: boolean): void;
  openThread(message: LocalMessage): void;
  retry(message: LocalMessage): void;
  /** Gives up a message that was not sent (it leaves the outbox). */
  discard(message: LocalMessage): void;
}

/** The key a message keeps from its optimistic send to the server's copy: the sender's clientId, else its id. */
export const messageKey = (message: LocalMessage): string => (message.clientId ? `c:${message.senderId}:${message.clientId}` : message.id);

/**
 * A keyed list of messages: only the messages whose content changed are rebuilt, and nodes are moved rather
 * than recreated, so images, focus and a message being edited survive updates from elsewhere.
 */
export class MessageList {
  readonly element: HTMLOListElement;
  private readonly nodes = new Map<string, { signature: string; element: HTMLElement }>();
  private editing: string | null = null;
  /** Keys to rebuild on the next render whatever their signature (entering or leaving edit mode). */
  private readonly dirty = new Set<string>();
  private picker: string | null = null;
  /** The message whose actions are shown on a touch screen (tapped), where there is no hover. */
  private selected: string | null = null;
  private lastMessages: LocalMessage[] = [];

  constructor(
    private readonly context: MessageContext,
    label: string,
  ) {
    this.element = h('ol', { class: 'message-list', role: 'log', 'aria-label': label });
    // Touch screens have no hover: a tap on a message shows its actions above it (another tap, elsewhere, hides them).
    this.element.addEventListener('click', (event) => {
      if (!window.matchMedia('(hover: none)').matches) return;
      const target = event.target as Element;
      if (target.closest('button, a, textarea, input, .msg-actions')) return;
      const item = target.closest<HTMLElement>('.msg:not(.msg-system)');
      this.select(item && item.dataset.key !== this.selected ? item.dataset.key! : null);
    });
  }

  private select(key: string | null): void {
    this.selected = key;
    for (const node of this.nodes.values()) node.element.classList.toggle('msg-selected', node.element.dataset.key === key);
  }

  /** Scrolls a message into view and marks it for a moment (a pin or search result opened); false when not shown. */
  highlight(messageId: string): boolean {
    const element = [...this.nodes.values()].find((node) => node.element.dataset.messageId === messageId)?.element;
    if (!element) return false;
    element.scrollIntoView({ block: 'center' });
    element.classList.remove('msg-highlight');
    // Restarts the animation when the same message is opened twice.
    void element.offsetWidth;
    element.classList.add('msg-highlight');
    element.tabIndex = -1;
    element.focus({ preventScroll: true });
    return true;
  }

  /** Names the list anew (its room was renamed). */
  rename(label: string): void {
    this.element.setAttribute('aria-label', label);
  }

  render(messages: LocalMessage[]): void {
    this.lastMessages = messages;
    const seen = new Set<string>();
    let previous: Element | null = null;
    let before: LocalMessage | undefined;
    for (const message of messages) {
      const key = messageKey(message);
      seen.add(key);
      const grouped = continuesGroup(before, message);
      before = message;
      const signature = this.signature(message, key, grouped);
      let node = this.nodes.get(key);
      if (!node || this.dirty.has(key) || (node.signature !== signature && this.editing !== key)) {
        this.dirty.delete(key);
        const element = this.build(message, key, grouped);
        if (node) swapKeepingFocus(node.element, element);
        node = { signature, element };
        this.nodes.set(key, node);
      }
      const expected: ChildNode | null = previous ? previous.nextSibling : this.element.firstChild;
      if (expected !== node.element) this.element.insertBefore(node.element, expected);
      previous = node.element;
    }
    for (const [key, node] of this.nodes) {
      if (!seen.has(key)) {
        node.element.remove();
        this.nodes.delete(key);
      }
    }
    if (this.selected && !this.nodes.has(this.selected)) this.selected = null;
  }

  private rerender(): void {
    this.render(this.lastMessages);
  }

  private signature(message: LocalMessage, key: string, grouped: boolean): string {
    return JSON.stringify([
      grouped,
      message.pinned,
      this.context.canPin(message),
      message.id,
      message.type,
      message.version,
      message.body,
      (message.mentions ?? []).map((userId) => [userId, this.context.nameOf(userId)]),
      message.editedAt,
      message.deletedAt,
      message.replyCount,
      message.reactions,
      message.images.map((image) => image.id),
      message.local?.state,
      message.local?.error,
      // A waiting message says whether the browser is offline.
      message.local?.state === 'queued' && navigator.onLine,
      message.senderId === null ? null : this.context.nameOf(message.senderId),
      message.senderId !== null && this.context.isGuest(message.senderId),
      this.context.seenLine(message),
      this.picker === key,
    ]);
  }

  /**
   * One message. A message that continues its sender's group (`grouped`) shows no avatar and no name (the name stays
   * for screen readers) and its time only on hover, in the avatar's column.
   */
  private build(message: LocalMessage, key: string, grouped: boolean): HTMLElement {
    if (message.type === 'system' || message.senderId === null) return this.buildSystem(message, key);
    const { context } = this;
    const mine = message.senderId === context.meId;
    const deleted = message.deletedAt !== null;
    const mentions = message.mentions ?? [];
    const mentionsMe = !deleted && !mine && mentions.includes(context.meId);
    const name = context.nameOf(message.senderId ?? '');
    const time = h('time', { datetime: message.createdAt, title: fullTime(message.createdAt) }, shortTime(message.createdAt));
    const pinned = message.pinned && !deleted ? h('span', { class: 'msg-pinned' }, icon('pin', 12), ' Pinned') : null;
    let avatar: HTMLElement;
    let meta: HTMLElement | null;
    if (grouped) {
      avatar = h('span', { class: 'avatar-spacer' }, time);
      const notes = [message.editedAt && !deleted ? h('span', { class: 'msg-edited' }, '(edited)') : null, mentionsMe ? h('span', { class: 'msg-mentions-you' }, 'mentions you') : null, pinned].filter(Boolean);
      meta = h('div', { class: 'msg-meta msg-meta-grouped' }, h('span', { class: 'visually-hidden' }, mine ? `${name} (you)` : name), ...notes);
    } else {
      avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
      avatar.style.setProperty('--hue', String(hue(name)));
      meta = h(
        'div',
        { class: 'msg-meta' },
        h('span', { class: 'msg-sender' }, mine ? `${name} (you)` : name),
        context.isGuest(message.senderId) ? h('span', { class: 'guest-badge' }, 'guest') : null,
        ' ',
        time,
        message.editedAt && !deleted ? h('span', { class: 'msg-edited' }, ' (edited)') : null,
        mentionsMe ? h('span', { class: 'msg-mentions-you' }, ' · mentions you') : null,
        pinned ? ' · ' : null,
        pinned,
      );
    }
    const main = h('div', { class: 'msg-main' }, meta);

    if (this.editing === key && !deleted) main.append(this.editForm(message, key));
    else if (deleted) main.append(h('p', { class: 'msg-body msg-deleted' }, 'Message deleted'));
    else if (message.body) main.append(h('p', { class: 'msg-body' }, ...linkifyParts(mentionBody(message.body, mentions, context.nameOf, context.meId))));

    if (!deleted) main.append(...this.images(message, name));

    if (message.reactions.length > 0 && !deleted) {
      main.append(
        h(
          'div',
          { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
          ...message.reactions.map((reaction) =>
            h(
              'button',
              {
                type: 'button',
                class: 'reaction',
                'aria-pressed': String(reaction.me),
                'aria-label': `${reaction.emoji} ${reaction.count}${reaction.me ? ', including you' : ''}`,
                'data-focus': `reaction-${reaction.emoji}`,
                onclick: () => context.react(message, reaction.emoji, !reaction.me),
              },
              `${reaction.emoji} ${reaction.count}`,
            ),
          ),
        ),
      );
    }

    if (context.threads && message.replyCount > 0) {
      main.append(
        h(
          'button',
          { type: 'button', class: 'link-button replies', 'data-focus': 'replies', onclick: () => context.openThread(message) },
          message.replyCount === 1 ? '1 reply' : `${message.replyCount} replies`,
        ),
      );
    }

    if (message.local) main.append(this.pendingStatus(message));
    const seenLine = context.seenLine(message);
    if (seenLine) main.append(h('p', { class: 'msg-status msg-seen' }, seenLine));

    const element = h('li', {
      class: ['msg', mine && 'msg-mine', grouped && 'msg-grouped', mentionsMe && 'msg-mention', deleted && 'msg-is-deleted', message.local && 'msg-pending', this.selected === key && 'msg-selected']
        .filter(Boolean)
        .join(' '),
      'data-message-id': message.local ? null : message.id,
      'data-key': key,
    });
    element.append(avatar, main);
    if (!deleted && !message.local) element.append(this.actions(message, key, mine));
    return element;
  }

  /**
   * The line under a message of the viewer the server has not acknowledged: sending; waiting for the connection
   * (sent by itself later, in plain words, never the browser's network error); or refused, with the server's
   * reason, Retry and Discard.
   */
  private pendingStatus(message: LocalMessage): HTMLElement {
    const local = message.local!;
    if (local.state === 'sending') return h('p', { class: 'msg-status' }, 'Sending…');
    const discard = h('button', { type: 'button', class: 'link-button', 'data-focus': 'discard', onclick: () => this.context.discard(message) }, 'Discard');
    if (local.state === 'queued') {
      const words = navigator.onLine ? 'Not sent yet — will retry when the server can be reached. ' : 'Not sent — will retry when you are back online. ';
      return h('p', { class: 'msg-status msg-queued', role: 'status' }, words, discard);
    }
    return h(
      'p',
      { class: 'msg-status msg-failed', role: 'alert' },
      `Not sent: ${local.error ?? 'the server refused it'} `,
      h('button', { type: 'button', class: 'link-button', 'data-focus': 'retry', onclick: () => this.context.retry(message) }, 'Retry'),
      ' · ',
      discard,
    );
  }

  /**
   * A membership or room change in the history: the server's sentence, centred and quiet, with its time; it has no
   * sender, and cannot be replied to, reacted to, edited or reported.
   */
  private buildSystem(message: LocalMessage, key: string): HTMLElement {
    return h(
      'li',
      { class: 'msg msg-system', 'data-message-id': message.id, 'data-key': key, 'data-event': message.system?.event ?? null },
      h('p', { class: 'msg-system-text' }, message.body, ' ', h('time', { datetime: message.createdAt, title: fullTime(message.createdAt) }, shortTime(message.createdAt))),
    );
  }

  private images(message: LocalMessage, sender: string): HTMLElement[] {
    const previews = message.local?.previews ?? [];
    if (message.images.length === 0 && previews.length === 0) return [];
    const count = Math.max(message.images.length, previews.length);
    const items =
      message.images.length > 0
        ? message.images.map((image, index) => {
            const alt = `Image ${index + 1} of ${count} from ${sender}`;
            return h(
              'button',
              { type: 'button', class: 'thumb-button', 'aria-label': `Open image ${index + 1} of ${count}`, onclick: () => void this.context.images.open(image, alt) },
              this.context.images.thumbnail(image, alt),
            );
          })
        : previews.map((src, index) => h('img', { class: 'thumb', src, alt: `Image ${index + 1} of ${count} (uploading)` }));
    return [h('div', { class: 'msg-images' }, ...items)];
  }

  private actions(message: LocalMessage, key: string, mine: boolean): HTMLElement {
    const { context } = this;
    const pickerOpen = this.picker === key;
    const actions = h(
      'div',
      { class: 'msg-actions', role: 'group', 'aria-label': 'Message actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Add reaction',
          title: 'Add reaction',
          'aria-expanded': String(pickerOpen),
          'data-focus': 'react',
          onclick: () => {
            this.picker = pickerOpen ? null : key;
            this.rerender();
          },
        },
        icon('smile'),
      ),
      context.threads
        ? h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Reply in thread', title: 'Reply in thread', 'data-focus': 'thread', onclick: () => context.openThread(message) }, icon('thread'))
        : null,
      mine
        ? h(
            'button',
            {
              type: 'button',
              class: 'icon-button',
              'aria-label': 'Edit message',
              title: 'Edit',
              onclick: () => {
                this.editing = key;
                this.picker = null;
                this.forceRebuild(key);
              },
            },
            icon('edit'),
          )
        : null,
      context.canDelete(message)
        ? h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Delete message', title: 'Delete', onclick: () => context.remove(message) }, icon('trash'))
        : null,
      context.canPin(message)
        ? h(
            'button',
            {
              type: 'button',
              class: 'icon-button',
              'aria-label': message.pinned ? 'Unpin message' : 'Pin message',
              title: message.pinned ? 'Unpin' : 'Pin',
              'data-focus': 'pin',
              onclick: () => context.pin(message, !message.pinned),
            },
            icon(message.pinned ? 'unpin' : 'pin'),
          )
        : null,
      !mine && context.canReport(message)
        ? h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Report message', title: 'Report', 'data-focus': 'report', onclick: () => context.report(message) }, icon('flag'))
        : null,
    );
    if (pickerOpen) {
      const existing = new Map(message.reactions.map((r) => [r.emoji, r.me]));
      actions.append(
        h(
          'div',
          { class: 'emoji-picker', role: 'group', 'aria-label': 'Pick a reaction' },
          ...QUICK_REACTIONS.map((emoji) =>
            h(
              'button',
              {
                type: 'button',
                class: 'emoji',
                'aria-label': `React with ${emoji}`,
                'aria-pressed': String(existing.get(emoji) === true),
                onclick: () => {
                  this.picker = null;
                  context.react(message, emoji, existing.get(emoji) !== true);
                  this.rerender();
                },
              },
              emoji,
            ),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'emoji emoji-more',
              'aria-label': 'More reactions',
              title: 'More reactions',
              onclick: () => {
                this.picker = null;
                this.rerender();
                emojiPickerDialog({
                  quick: QUICK_REACTIONS,
                  chosen: new Set(message.reactions.filter((reaction) => reaction.me).map((reaction) => reaction.emoji)),
                  pick: (emoji) => context.react(message, emoji, existing.get(emoji) !== true),
                  // The focus goes back to the message's reaction button, as after the quick row.
                  closed: () => this.nodes.get(key)?.element.querySelector<HTMLElement>('[data-focus="react"]')?.focus(),
                });
              },
            },
            icon('plus', 16),
          ),
        ),
      );
    }
    return actions;
  }

  private editForm(message: LocalMessage, key: string): HTMLElement {
    const id = `edit-${message.id}`;
    const textarea = h('textarea', { id, class: 'edit-box', rows: 2, maxlength: 4000 });
    textarea.value = message.body;
    const picker = new MentionPicker(textarea, () => this.context.mentionCandidates());
    const stop = () => {
      this.editing = null;
      this.forceRebuild(key);
      this.nodes.get(key)?.element.querySelector<HTMLElement>('[aria-label="Edit message"]')?.focus();
    };
    const save = async () => {
      const body = textarea.value.trim();
      if (!body || body === message.body) return stop();
      try {
        await this.context.edit(message, body);
        stop();
      } catch {
        textarea.focus();
      }
    };
    textarea.addEventListener('keydown', (event) => {
      if (picker.handleKey(event)) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        stop();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void save();
      }
    });
    queueMicrotask(() => {
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    });
    return h(
      'form',
      {
        class: 'edit-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void save();
        },
      },
      h('label', { for: id, class: 'visually-hidden' }, 'Edit message'),
      picker.element,
      textarea,
      h('div', { class: 'edit-actions' }, h('button', { type: 'button', onclick: stop }, 'Cancel'), h('button', { type: 'submit', class: 'primary' }, 'Save')),
    );
  }

  /** Rebuilds one message even though its content did not change (entering or leaving edit mode). */
  private forceRebuild(key: string): void {
    this.dirty.add(key);
    this.rerender();
  }

  /** Closes the reaction picker or the editor (Escape anywhere in the list). */
  dismiss(): boolean {
    if (this.picker) {
      this.picker = null;
      this.rerender();
      return true;
    }
    return false;
  }
}
