// The pinned messages of a room (`GET /rooms/{roomId}/pins`, most recently pinned first): every member sees them and
// opens one in the history; the owner and admins unpin them here too.
import type { Api } from './api';
import { h, replace, toast } from './dom';
import { errorText } from './errors';
import { messageCard } from './message-card';
import type { Message } from './types';

export interface PinsContext {
  api: Api;
  roomId: string;
  nameOf(userId: string): string;
  /** The viewer may unpin (owner and admins). */
  canUnpin(): boolean;
  /** Shows the message in the room (its thread for a reply). */
  open(message: Message): void;
}

export class PinsPanel {
  /** The panel's content (its frame and close button belong to the room view). */
  readonly element: HTMLElement;
  private pins: Message[] | null = null;
  private cursor: string | null = null;
  /** The newest load wins: a pin event during a load loads again. */
  private generation = 0;

  constructor(private readonly context: PinsContext) {
    this.element = h('div', { class: 'panel-scroll' });
    this.render();
  }

  async load(): Promise<void> {
    const mine = ++this.generation;
    try {
      const page = await this.context.api.pins(this.context.roomId);
      if (mine !== this.generation) return;
      this.pins = page.items;
      this.cursor = page.nextCursor;
    } catch (error) {
      if (mine !== this.generation) return;
      this.pins = [];
      toast(`Could not load the pinned messages: ${errorText(error)}`, 'error');
    }
    this.render();
  }

  private async loadMore(): Promise<void> {
    if (!this.cursor || !this.pins) return;
    const mine = this.generation;
    try {
      const page = await this.context.api.pins(this.context.roomId, this.cursor);
      if (mine !== this.generation) return;
      const known = new Set(this.pins.map((pin) => pin.id));
      this.pins.push(...page.items.filter((pin) => !known.has(pin.id)));
      this.cursor = page.nextCursor;
      this.render();
    } catch (error) {
      toast(`Could not load the pinned messages: ${errorText(error)}`, 'error');
    }
  }

  /** A message of the room changed: the list follows when it is (or was) pinned. */
  messageChanged(message: Message): void {
    const listed = this.pins?.some((pin) => pin.id === message.id) ?? false;
    if (message.pinned || listed) void this.load();
  }

  private render(): void {
    const active = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    const { context } = this;
    const pins = this.pins?.filter((pin) => pin.pinned && !pin.deletedAt);
    replace(
      this.element,
      pins === undefined
        ? h('p', { class: 'panel-note hint' }, 'Loading…')
        : pins.length === 0
          ? h('p', { class: 'panel-note hint' }, context.canUnpin() ? 'No pinned messages. Pin one from its actions.' : 'No pinned messages.')
          : h(
              'ul',
              { class: 'card-list', 'aria-label': 'Pinned messages' },
              ...pins.map((pin) => {
                const sender = pin.senderId ? context.nameOf(pin.senderId) : 'Parley';
                return h(
                  'li',
                  { class: 'card-item' },
                  messageCard(pin, sender, () => context.open(pin)),
                  context.canUnpin()
                    ? h('button', { type: 'button', class: 'tool', 'aria-label': `Unpin the message of ${sender}`, 'data-focus': `unpin-${pin.id}`, onclick: () => void this.unpin(pin) }, 'Unpin')
                    : null,
                );
              }),
            ),
      this.cursor ? h('button', { type: 'button', class: 'link-button panel-more', 'data-focus': 'pins-more', onclick: () => void this.loadMore() }, 'Load more') : null,
    );
    if (active) this.element.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active)}"]`)?.focus();
  }

  private async unpin(pin: Message): Promise<void> {
    try {
      await this.context.api.pin(this.context.roomId, pin.id, false);
      await this.load();
    } catch (error) {
      toast(`Could not unpin: ${errorText(error)}`, 'error');
    }
  }
}
