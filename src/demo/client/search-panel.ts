// Search in a room: the server's text search of the history (`GET /rooms/{roomId}/messages?q=`, case-insensitive,
// newest first, deleted messages never found); a result opens the message in the room.
import type { Api } from './api';
import { debounce, h, replace, uuid } from './dom';
import { errorText } from './errors';
import { messageCard } from './message-card';
import type { Message } from './types';

export interface SearchContext {
  api: Api;
  roomId: string;
  nameOf(userId: string): string;
  open(message: Message): void;
}

/** The server takes up to 200 characters of search text. */
const MAX_QUERY = 200;

export class SearchPanel {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly results: HTMLElement;
  private query = '';
  private found: Message[] = [];
  private cursor: string | null = null;
  private generation = 0;

  constructor(private readonly context: SearchContext) {
    const id = `room-search-${uuid().slice(0, 8)}`;
    this.input = h('input', { id, type: 'search', autocomplete: 'off', maxlength: MAX_QUERY, placeholder: 'Words in a message', 'aria-describedby': `${id}-status`, 'data-focus': 'room-search' });
    this.status = h('p', { id: `${id}-status`, class: 'hint', 'aria-live': 'polite' });
    this.results = h('div', { class: 'search-results' });
    const form = h(
      'form',
      {
        class: 'panel-section search-form',
        role: 'search',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void this.search();
        },
      },
      h('label', { for: id }, 'Search messages'),
      this.input,
      this.status,
    );
    this.input.addEventListener('input', debounce(() => void this.search(), 300));
    this.element = h('div', { class: 'panel-scroll' }, form, this.results);
  }

  focus(): void {
    this.input.focus();
  }

  private async search(): Promise<void> {
    const query = this.input.value.trim();
    if (query === this.query && query !== '') return;
    this.query = query;
    const mine = ++this.generation;
    if (!query) {
      this.found = [];
      this.cursor = null;
      this.status.textContent = '';
      return this.render();
    }
    this.status.textContent = 'Searching…';
    try {
      const page = await this.context.api.searchMessages(this.context.roomId, query);
      if (mine !== this.generation) return;
      this.found = page.items;
      this.cursor = page.nextCursor;
      this.status.textContent = this.found.length === 0 ? `No messages contain “${query}”.` : `${this.found.length}${this.cursor ? '+' : ''} message${this.found.length === 1 ? '' : 's'} found`;
    } catch (error) {
      if (mine !== this.generation) return;
      this.found = [];
      this.cursor = null;
      this.status.textContent = `Search failed: ${errorText(error)}`;
    }
    this.render();
  }

  private async more(): Promise<void> {
    if (!this.cursor) return;
    const mine = this.generation;
    try {
      const page = await this.context.api.searchMessages(this.context.roomId, this.query, this.cursor);
      if (mine !== this.generation) return;
      const known = new Set(this.found.map((message) => message.id));
      this.found.push(...page.items.filter((message) => !known.has(message.id)));
      this.cursor = page.nextCursor;
      this.status.textContent = `${this.found.length}${this.cursor ? '+' : ''} messages found`;
      this.render();
    } catch (error) {
      this.status.textContent = `Search failed: ${errorText(error)}`;
    }
  }

  private render(): void {
    const { context } = this;
    replace(
      this.results,
      this.found.length > 0
        ? h(
            'ul',
            { class: 'card-list', 'aria-label': 'Search results' },
            ...this.found.map((message) =>
              h('li', { class: 'card-item' }, messageCard(message, message.senderId ? context.nameOf(message.senderId) : 'Parley', () => context.open(message), this.query)),
            ),
          )
        : null,
      this.cursor ? h('button', { type: 'button', class: 'link-button panel-more', onclick: () => void this.more() }, 'More results') : null,
    );
  }
}
