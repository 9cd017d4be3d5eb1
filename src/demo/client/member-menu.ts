// The menu of one member in the members panel: block or unblock them, and, for the room's owner and admins,
// moderate them (role, ownership, silence, ban, remove).
import { h } from './dom';
import { icon } from './icons';

/** What the viewer may do to this member; a missing entry is not offered. */
export interface MemberActions {
  block?: { blocked: boolean; toggle(): void };
  /** Owner only: make an admin a member again, or a member an admin. */
  role?: { next: 'admin' | 'member'; set(): void };
  /** Owner only: hand the ownership over (the owner becomes an admin). */
  owner?: () => void;
  silence?: { silenced: boolean; silence(): void; lift(): void };
  ban?: () => void;
  remove?: () => void;
}

/**
 * The "…" button of a member and, when `open`, its menu (drawn again with the panel, so it stays open across
 * renders). Arrow keys move between the items, Escape closes it and gives the focus back to the button.
 */
export function memberMenu(userId: string, name: string, actions: MemberActions, open: boolean, toggle: (open: boolean) => void): HTMLElement | null {
  const item = (label: string, focus: string, run: () => void, danger = false) =>
    h(
      'button',
      {
        type: 'button',
        role: 'menuitem',
        class: `menu-item${danger ? ' menu-item-danger' : ''}`,
        tabindex: -1,
        'data-focus': `member-${userId}-${focus}`,
        onclick: () => {
          toggle(false);
          run();
        },
      },
      label,
    );
  const items = [
    actions.block ? item(actions.block.blocked ? 'Unblock' : 'Block', 'block', actions.block.toggle) : null,
    actions.role ? item(actions.role.next === 'admin' ? 'Make admin' : 'Make member', 'role', actions.role.set) : null,
    actions.owner ? item('Make owner…', 'owner', actions.owner) : null,
    actions.silence ? (actions.silence.silenced ? item('Lift silence', 'unsilence', actions.silence.lift) : item('Silence…', 'silence', actions.silence.silence)) : null,
    actions.ban ? item('Ban…', 'ban', actions.ban, true) : null,
    actions.remove ? item('Remove from room', 'remove', actions.remove, true) : null,
  ].filter((element): element is HTMLButtonElement => element !== null);
  if (items.length === 0) return null;
  const menuId = `member-menu-${userId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const button = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'aria-label': `Actions for ${name}`,
      'aria-haspopup': 'menu',
      'aria-expanded': String(open),
      'aria-controls': open ? menuId : null,
      'data-focus': `member-${userId}`,
      onclick: () => toggle(!open),
    },
    icon('more'),
  );
  const anchor = h('div', { class: 'menu-anchor' }, button);
  if (!open) return anchor;
  const menu = h('div', { class: 'menu', id: menuId, role: 'menu', 'aria-label': `Actions for ${name}` }, ...items);
  menu.addEventListener('keydown', (event) => {
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      toggle(false);
      return;
    }
    const next = event.key === 'ArrowDown' ? (index + 1) % items.length : event.key === 'ArrowUp' ? (index - 1 + items.length) % items.length : null;
    if (next === null) return;
    event.preventDefault();
    items[next].focus();
  });
  anchor.append(menu);
  return anchor;
}
