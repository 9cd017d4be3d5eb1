// The reaction picker: a dialog with a search box and a grid of emoji by group, each named (emojibase's English
// names), usable from the keyboard: type to filter, ↓ into the grid, arrows move, Enter or Space picks, Escape closes.
// The emoji list (demo/emoji.json, written by scripts/build-demo.js from emojibase-data) is fetched on first use.
import { modal } from './dialogs';
import { h, replace, uuid } from './dom';

/** `[emoji, name, group, tags]`, as scripts/build-demo.js writes them. */
type EmojiEntry = [string, string, number, string];
interface EmojiData {
  groups: Array<[number, string]>;
  emoji: EmojiEntry[];
}

export interface Emoji {
  emoji: string;
  name: string;
  group: number;
  /** The name and tags, lower case, for the search. */
  words: string;
}

let loading: Promise<{ groups: Map<number, string>; emoji: Emoji[] }> | null = null;

/**
 * The emoji list, fetched once. An emoji that is one of `preferred` but for its variation selector (emojibase writes
 * 👍 as "👍️") takes the preferred form, so a reaction picked here and one picked from the quick row are the same.
 */
function loadEmoji(preferred: readonly string[]): Promise<{ groups: Map<number, string>; emoji: Emoji[] }> {
  const bare = (text: string) => text.replace(/\uFE0F/g, '');
  const forms = new Map(preferred.map((emoji) => [bare(emoji), emoji]));
  loading ??= fetch('/demo/emoji.json')
    .then((response) => {
      if (!response.ok) throw new Error(`The emoji list could not be loaded (${response.status})`);
      return response.json() as Promise<EmojiData>;
    })
    .then((data) => ({
      groups: new Map(data.groups),
      emoji: data.emoji.map(([emoji, name, group, tags]) => ({ emoji: forms.get(bare(emoji)) ?? emoji, name, group, words: `${name} ${tags}`.toLowerCase() })),
    }));
  // A failed load is tried again the next time the picker opens.
  loading.catch(() => (loading = null));
  return loading;
}

const startsAWord = (text: string, word: string) => text.startsWith(word) || text.includes(` ${word}`);

/**
 * How well the emoji matches the query, best first: its name is the query (0), every word starts a word of its name
 * (1), or of its name and tags ("rocket" is also a tag of 🧑‍🚀) (2); null when it does not match.
 */
function rank(emoji: Emoji, query: string[]): number | null {
  const name = emoji.name.toLowerCase();
  if (name === query.join(' ')) return 0;
  if (query.every((word) => startsAWord(name, word))) return 1;
  return query.every((word) => startsAWord(emoji.words, word)) ? 2 : null;
}

/**
 * Opens the picker for one message. `chosen` holds the emoji the viewer already reacted with (shown pressed);
 * `pick` gets the emoji picked, and the dialog closes.
 */
export function emojiPickerDialog(options: { quick: readonly string[]; chosen: ReadonlySet<string>; pick: (emoji: string) => void; closed?: () => void }): void {
  const { dialog, body, close } = modal('Pick a reaction');
  dialog.classList.add('emoji-dialog');
  const id = `emoji-search-${uuid().slice(0, 8)}`;
  const search = h('input', { id, type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder: 'Search by name, e.g. “rocket”', 'aria-describedby': `${id}-status` });
  const status = h('p', { id: `${id}-status`, class: 'hint', 'aria-live': 'polite' }, 'Loading emoji…');
  const grid = h('div', { class: 'emoji-grid-scroll' });
  let buttons: HTMLButtonElement[] = [];
  let all: { groups: Map<number, string>; emoji: Emoji[] } | null = null;

  const button = (emoji: string, name: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'emoji emoji-cell',
        title: name,
        'aria-label': name,
        'aria-pressed': String(options.chosen.has(emoji)),
        tabindex: -1,
        onclick: () => {
          close();
          options.pick(emoji);
        },
      },
      emoji,
    );

  /** One section per group (only the matching emoji when searching); the first button takes the Tab stop. */
  const render = () => {
    const query = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const sections: HTMLElement[] = [];
    if (query.length === 0) sections.push(section('Frequently used', options.quick.map((emoji) => button(emoji, all?.emoji.find((e) => e.emoji === emoji)?.name ?? emoji))));
    if (all && query.length === 0) {
      for (const [group, name] of all.groups) sections.push(section(name, all.emoji.filter((emoji) => emoji.group === group).map((emoji) => button(emoji.emoji, emoji.name))));
      status.textContent = '';
    } else if (all) {
      // Search results in one list, the best matches first (Unicode's order among equals).
      const found = all.emoji
        .map((emoji, order) => ({ emoji, order, rank: rank(emoji, query) }))
        .filter((entry): entry is { emoji: Emoji; order: number; rank: number } => entry.rank !== null)
        .sort((a, b) => a.rank - b.rank || a.order - b.order);
      if (found.length > 0) sections.push(section('Results', found.map(({ emoji }) => button(emoji.emoji, emoji.name))));
      status.textContent = found.length === 0 ? 'No emoji match.' : `${found.length} emoji found`;
    }
    replace(grid, ...sections);
    buttons = [...grid.querySelectorAll<HTMLButtonElement>('button')];
    if (buttons[0]) buttons[0].tabIndex = 0;
  };

  const section = (title: string, items: HTMLButtonElement[]) => {
    const headingId = `emoji-group-${uuid().slice(0, 8)}`;
    return h('section', { class: 'emoji-group', 'aria-labelledby': headingId }, h('h3', { id: headingId, class: 'panel-subheading' }, title), h('div', { class: 'emoji-grid', role: 'group', 'aria-labelledby': headingId }, ...items));
  };

  /** Arrow keys move through the cells as they are laid out (rows of the grid, across groups). */
  const move = (from: HTMLButtonElement, key: string): HTMLButtonElement | undefined => {
    const index = buttons.indexOf(from);
    if (key === 'ArrowLeft') return buttons[index - 1];
    if (key === 'ArrowRight') return buttons[index + 1];
    if (key === 'Home') return buttons[0];
    if (key === 'End') return buttons[buttons.length - 1];
    const box = from.getBoundingClientRect();
    const below = key === 'ArrowDown';
    // The nearest cell in the next row up or down, at about the same horizontal place.
    let best: HTMLButtonElement | undefined;
    let bestScore = Infinity;
    for (const candidate of buttons) {
      const other = candidate.getBoundingClientRect();
      const dy = below ? other.top - box.bottom : box.top - other.bottom;
      if (dy < -2) continue;
      const score = dy * 1000 + Math.abs(other.left - box.left);
      if (candidate !== from && score < bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best;
  };

  grid.addEventListener('keydown', (event) => {
    const current = event.target;
    if (!(current instanceof HTMLButtonElement) || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const next = move(current, event.key);
    if (!next) {
      if (event.key === 'ArrowUp') search.focus();
      return;
    }
    current.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  });
  search.addEventListener('input', render);
  search.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && buttons[0]) {
      event.preventDefault();
      buttons[0].focus();
    } else if (event.key === 'Enter') {
      // Enter picks the first match, so "rocket" ⏎ is enough.
      event.preventDefault();
      buttons[0]?.click();
    }
  });
  if (options.closed) dialog.addEventListener('close', options.closed);

  body.append(h('div', { class: 'field' }, h('label', { for: id }, 'Search emoji'), search), status, grid);
  render();
  dialog.showModal();
  search.focus();
  loadEmoji(options.quick).then(
    (loaded) => {
      all = loaded;
      status.textContent = '';
      render();
    },
    (error: unknown) => {
      status.textContent = error instanceof Error ? error.message : 'The emoji list could not be loaded.';
    },
  );
}
