import type { Api } from './api';
import { debounce, h, replace, toast, uuid } from './dom';
import type { Account, Room } from './types';
import { icon } from './icons';

import { errorText } from './errors';

/** A modal dialog with a heading; closed by Escape, its Close button, or `close()`. Removed from the page when closed. */
export function modal(title: string): { dialog: HTMLDialogElement; body: HTMLElement; close: () => void } {
  const id = `dialog-${uuid().slice(0, 8)}`;
  const body = h('div', { class: 'dialog-body' });
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': id });
  const close = () => dialog.close();
  dialog.append(
    h('div', { class: 'dialog-header' }, h('h2', { id }, title), h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: close }, icon('close'))),
    body,
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  return { dialog, body, close };
}

/**
 * Finds local accounts by the start of their username (`GET /api/v1/auth/users?q=`), as you type. `pick` is
 * called with the account chosen; `exclude` hides ids (yourself, the members already chosen).
 */
export function userSearch(api: Api, label: string, pick: (account: Account) => void, exclude: () => Set<string>): { element: HTMLElement; input: HTMLInputElement; refresh: () => void } {
  const id = `search-${uuid().slice(0, 8)}`;
  const input = h('input', { id, type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder: 'Start typing a username', 'aria-describedby': `${id}-status` });
  const status = h('p', { id: `${id}-status`, class: 'hint', 'aria-live': 'polite' });
  const results = h('ul', { class: 'user-results', 'aria-label': 'Matching users' });
  let found: Account[] = [];
  let generation = 0;
  const show = () => {
    const hidden = exclude();
    const visible = found.filter((account) => !hidden.has(account.id));
    replace(
      results,
      ...visible.map((account) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'user-result', 'data-username': account.username, onclick: () => pick(account) },
            h('span', { class: 'user-result-name' }, account.username),
            h('span', { class: 'user-result-action' }, icon('plus', 16)),
          ),
        ),
      ),
    );
    status.textContent = input.value.trim() ? (visible.length === 0 ? 'No matching users' : `${visible.length} user${visible.length === 1 ? '' : 's'} found`) : '';
  };
  const search = debounce(async () => {
    const q = input.value.trim();
    const mine = ++generation;
    if (!q) {
      found = [];
      return show();
    }
    try {
      const page = await api.searchUsers(q.slice(0, 32));
      if (mine === generation) {
        found = page.items;
        show();
      }
    } catch (error) {
      if (mine === generation) status.textContent = `Search failed: ${errorText(error)}`;
    }
  }, 200);
  input.addEventListener('input', search);
  input.addEventListener('keydown', (event) => {
    // Enter picks the first match, so the keyboard alone is enough.
    if (event.key === 'Enter') {
      event.preventDefault();
      results.querySelector<HTMLButtonElement>('button')?.click();
    }
  });
  return { element: h('div', { class: 'user-search' }, h('label', { for: id }, label), input, status, results), input, refresh: show };
}

/** New group room: title, description, public or not, and members picked by username. */
export function newGroupDialog(api: Api, me: Account, created: (room: Room) => void): void {
  const { dialog, body, close } = modal('New group room');
  const chosen = new Map<string, Account>();
  const title = h('input', { id: 'group-title', required: true, maxlength: 200, autocomplete: 'off' });
  const description = h('input', { id: 'group-description', maxlength: 2000, autocomplete: 'off' });
  const isPublic = h('input', { id: 'group-public', type: 'checkbox' });
  const chips = h('ul', { class: 'chips', 'aria-label': 'Chosen members' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create room');
  const renderChips = () => {
    replace(
      chips,
      ...[...chosen.values()].map((account) =>
        h(
          'li',
          { class: 'chip' },
          account.username,
          h(
            'button',
            {
              type: 'button',
              'aria-label': `Remove ${account.username}`,
              onclick: () => {
                chosen.delete(account.id);
                renderChips();
                search.refresh();
                search.input.focus();
              },
            },
            icon('close', 12),
          ),
        ),
      ),
    );
  };
  const search = userSearch(
    api,
    'Add members by username',
    (account) => {
      chosen.set(account.id, account);
      renderChips();
      search.refresh();
      search.input.select();
    },
    () => new Set([me.id, ...chosen.keys()]),
  );
  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'group-title' }, 'Title'), title),
    h('div', { class: 'field' }, h('label', { for: 'group-description' }, 'Description (optional)'), description),
    h('div', { class: 'field field-inline' }, isPublic, h('label', { for: 'group-public' }, 'Public: anybody can find and join it')),
    search.element,
    chips,
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const room = await api.createRoom({
        type: 'group',
        title: title.value.trim(),
        description: description.value.trim() || undefined,
        isPublic: isPublic.checked,
        memberIds: [...chosen.keys()],
      });
      close();
      created(room);
    } catch (failure) {
      error.textContent = errorText(failure);
      submit.disabled = false;
    }
  });
  body.append(form);
  dialog.showModal();
  title.focus();
}

/** Direct chat: pick one person; an existing direct room with them is opened instead of a new one. */
export function directChatDialog(api: Api, me: Account, opened: (room: Room) => void): void {
  const { dialog, body, close } = modal('Start a direct chat');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const search = userSearch(
    api,
    'Who do you want to talk to?',
    async (account) => {
      error.textContent = '';
      try {
        const room = await api.createRoom({ type: 'direct', memberIds: [account.id] });
        close();
        opened(room);
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    },
    () => new Set([me.id]),
  );
  body.append(search.element, error);
  dialog.showModal();
  search.input.focus();
}

/** Public rooms per page of the list (a dialog, or a guest's sidebar: a short page, more on demand). */
export const PUBLIC_ROOMS_PAGE = 20;

/**
 * The public rooms (for a guest: those that allow guests, which is what the server lists to guests), each with
 * Join, or Open when the viewer is in already; more pages on demand. "Load more" shows only while the server has a
 * next page; one page loads at a time, and a room already listed (rooms created meanwhile shift the pages) is not
 * listed twice.
 */
export function publicRoomsList(api: Api, opened: (room: Room, joined: boolean) => void, emptyText = 'There are no public rooms yet.'): HTMLElement {
  const list = h('ul', { class: 'public-rooms', 'aria-busy': 'true' });
  const more = h('button', { type: 'button', class: 'load-more', hidden: true }, 'Load more');
  const status = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Loading…');
  const listed = new Set<string>();
  let cursor: string | null = null;
  let loading = false;
  const load = async () => {
    if (loading) return;
    loading = true;
    more.disabled = true;
    try {
      const page = await api.rooms('public', cursor, PUBLIC_ROOMS_PAGE);
      cursor = page.nextCursor;
      for (const room of page.items) {
        if (listed.has(room.id)) continue;
        listed.add(room.id);
        const action = h('button', { type: 'button', class: room.me ? '' : 'primary' }, room.me ? 'Open' : 'Join');
        action.setAttribute('aria-label', `${room.me ? 'Open' : 'Join'} ${room.title}`);
        action.addEventListener('click', async () => {
          try {
            const joined = room.me ? room : await api.join(room.id);
            opened(joined, !room.me);
          } catch (failure) {
            toast(errorText(failure), 'error');
          }
        });
        list.append(
          h(
            'li',
            { class: 'public-room', 'data-room-id': room.id },
            h(
              'div',
              { class: 'public-room-text' },
              h('strong', {}, room.title),
              room.description ? h('span', { class: 'hint' }, room.description) : null,
              h('span', { class: 'hint' }, `${room.memberCount} member${room.memberCount === 1 ? '' : 's'}${room.allowGuests ? ' · guests welcome' : ''}`),
            ),
            action,
          ),
        );
      }
      status.textContent = list.children.length === 0 ? emptyText : '';
      more.hidden = !cursor;
    } catch (failure) {
      status.textContent = `Could not load the rooms: ${errorText(failure)}`;
    } finally {
      loading = false;
      more.disabled = false;
      list.removeAttribute('aria-busy');
    }
  };
  more.addEventListener('click', () => {
    // Only ever the next page: with no cursor left, a click (a stale one) has nothing to add.
    if (cursor) void load();
  });
  void load();
  return h('div', { class: 'public-rooms-browser' }, status, list, more);
}

/** Public rooms to browse and join (or open, when you are already in). */
export function publicRoomsDialog(api: Api, opened: (room: Room, joined: boolean) => void): void {
  const { dialog, body, close } = modal('Public rooms');
  body.append(
    publicRoomsList(api, (room, joined) => {
      close();
      opened(room, joined);
    }),
  );
  dialog.showModal();
}
