// The members panel of a room: who is in it (online first), each member's menu (block, and moderation for the
// owner and admins), adding people by username, and the room's bans with "Lift ban" for moderators.
import type { Api } from './api';
import type { BlockList } from './blocks';
import { userSearch } from './dialogs';
import { confirmDialog, fullTime, h, hue, initials, replace, shortTime, toast } from './dom';
import { errorText } from './errors';
import { memberMenu, type MemberActions } from './member-menu';
import { banDialog, silenceDialog } from './moderation-dialogs';
import type { Ban, Member, Room } from './types';

/** What the panel reads from the open room, and how it hands a member it added back to it. */
export interface MembersContext {
  api: Api;
  roomId: string;
  meId: string;
  guest: boolean;
  blocks: BlockList;
  room(): Room | undefined;
  members(): Iterable<Member>;
  nameOf(userId: string): string;
  /** The viewer is the owner or an admin of this group room. */
  moderator(): boolean;
  added(member: Member): void;
}

/** Still read-only: `silencedUntil` is in the future. */
export const silenced = (member: Member | undefined, now = Date.now()): boolean => !!member?.silencedUntil && Date.parse(member.silencedUntil) > now;

/** "15:30", or the date and time when not today. */
export function untilText(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? shortTime(iso) : fullTime(iso);
}

const menuId = (userId: string) => `member-menu-${userId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export class MembersPanel {
  /** The panel's content (its frame and close button belong to the room view). */
  readonly element: HTMLElement;
  /** The member whose menu is open. */
  private menuFor: string | null = null;
  /** The room's bans (moderators only; null until loaded). */
  private bans: Ban[] | null = null;
  /** The add-member search keeps its input (and what is typed) across renders. */
  private search: ReturnType<typeof userSearch> | null = null;

  constructor(private readonly context: MembersContext) {
    this.element = h('div', { class: 'panel-scroll' });
  }

  /** A member left or was removed: their menu closes, and the bans list follows (the removal may be a ban). */
  memberRemoved(userId: string): void {
    if (this.menuFor === userId) this.menuFor = null;
    if (this.bans !== null) void this.loadBans();
  }

  render(): void {
    const { context } = this;
    const room = context.room();
    const active = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    const members = [...context.members()].sort((a, b) => Number(b.online) - Number(a.online) || (a.name ?? a.userId).localeCompare(b.name ?? b.userId));
    const moderator = context.moderator();
    const sections: HTMLElement[] = [];
    if (moderator) sections.push(this.addMemberSearch());
    sections.push(h('ul', { class: 'member-list', 'aria-label': 'Members' }, ...members.map((member) => this.memberItem(member, room))));
    if (moderator && this.bans && this.bans.length > 0) {
      sections.push(
        h(
          'section',
          { class: 'panel-section', 'aria-labelledby': 'bans-heading' },
          h('h4', { id: 'bans-heading', class: 'panel-subheading' }, 'Banned'),
          h('ul', { class: 'member-list' }, ...this.bans.map((ban) => this.banItem(ban))),
        ),
      );
    }
    replace(this.element, ...sections);
    if (active) this.element.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active)}"]`)?.focus();
  }

  private memberItem(member: Member, room: Room | undefined): HTMLElement {
    const name = member.name ?? member.userId;
    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name), h('span', { class: `presence-dot ${member.online ? 'online' : 'offline'}` }));
    avatar.style.setProperty('--hue', String(hue(name)));
    const state = [
      member.online ? 'online' : 'offline',
      member.role === 'member' ? null : member.role,
      member.guest ? 'guest' : null,
      silenced(member) ? `read-only until ${untilText(member.silencedUntil!)}` : null,
      this.context.blocks.has(member.userId) ? 'blocked' : null,
    ]
      .filter(Boolean)
      .join(' · ');
    const menu =
      member.userId === this.context.meId || !room
        ? null
        : memberMenu(member.userId, name, this.actions(room, member, name), this.menuFor === member.userId, (open) => {
            this.menuFor = open ? member.userId : null;
            this.render();
            const target = open ? `#${CSS.escape(menuId(member.userId))} [role="menuitem"]` : `[data-focus="member-${CSS.escape(member.userId)}"]`;
            this.element.querySelector<HTMLElement>(target)?.focus();
          });
    return h(
      'li',
      { class: 'member', 'data-user-id': member.userId },
      avatar,
      h('span', { class: 'member-text' }, h('span', { class: 'member-name' }, member.userId === this.context.meId ? `${name} (you)` : name), h('span', { class: 'member-state' }, state)),
      menu,
    );
  }

  private banItem(ban: Ban): HTMLElement {
    const name = this.context.nameOf(ban.userId);
    const details = [ban.reason, ban.until ? `until ${untilText(ban.until)}` : 'until lifted'].filter(Boolean).join(' · ');
    return h(
      'li',
      { class: 'member ban', 'data-user-id': ban.userId },
      h('span', { class: 'member-text' }, h('span', { class: 'member-name' }, name), h('span', { class: 'member-state' }, details)),
      h('button', { type: 'button', class: 'tool', 'aria-label': `Lift the ban of ${name}`, 'data-focus': `unban-${ban.userId}`, onclick: () => void this.unban(ban.userId, name) }, 'Lift ban'),
    );
  }

  /** What the viewer may do to a member: block (any account), and moderate (owner: anybody else; admin: members). */
  private actions(room: Room, member: Member, name: string): MemberActions {
    const { api, roomId, blocks } = this.context;
    const actions: MemberActions = {};
    if (!this.context.guest) {
      const blocked = blocks.has(member.userId);
      actions.block = {
        blocked,
        toggle: () =>
          void blocks.set(member.userId, !blocked).then(
            () => toast(blocked ? `${name} is unblocked.` : `${name} is blocked: their messages are hidden, and they cannot message or add you.`),
            (error: unknown) => toast(errorText(error, 'them'), 'error'),
          ),
      };
    }
    const myRole = room.me?.role;
    const canModerate = room.type === 'group' && member.role !== 'owner' && (myRole === 'owner' || (myRole === 'admin' && member.role === 'member'));
    if (!canModerate) return actions;
    const run = (work: Promise<unknown>, done: string) => void work.then(() => toast(done), (error: unknown) => toast(errorText(error, 'them'), 'error'));
    if (myRole === 'owner') {
      const next = member.role === 'admin' ? 'member' : 'admin';
      actions.role = { next, set: () => run(api.updateMember(roomId, member.userId, { role: next }), next === 'admin' ? `${name} is now an admin.` : `${name} is no longer an admin.`) };
      // Ownership goes to accounts only: a guest's membership ends when the room stops allowing guests.
      if (!member.guest) {
        actions.owner = async () => {
          if (await confirmDialog(`Make ${name} the owner of ${room.title}? You will stay as an admin.`, 'Make owner')) run(api.updateMember(roomId, member.userId, { role: 'owner' }), `${name} is now the owner.`);
        };
      }
    }
    actions.silence = {
      silenced: silenced(member),
      silence: () => silenceDialog(api, roomId, { userId: member.userId, name }, () => toast(`${name} is read-only for now.`)),
      lift: () => run(api.updateMember(roomId, member.userId, { silencedUntil: null }), `${name} can send again.`),
    };
    actions.ban = () => banDialog(api, room, { userId: member.userId, name }, () => toast(`${name} is banned from ${room.title}.`));
    actions.remove = async () => {
      if (await confirmDialog(`Remove ${name} from ${room.title}?`, 'Remove')) run(api.removeMember(roomId, member.userId), `${name} was removed.`);
    };
    return actions;
  }

  /** Owner/admins add people by username; a refusal (banned, blocked, a guest) says why in plain words. */
  private addMemberSearch(): HTMLElement {
    if (!this.search) {
      const search = userSearch(
        this.context.api,
        'Add a member',
        (account) => {
          search.input.value = '';
          search.refresh();
          this.context.api.addMember(this.context.roomId, account.id).then(
            (member) => {
              this.context.added(member);
              toast(`${account.username} was added.`);
            },
            (error: unknown) => toast(errorText(error, 'them'), 'error'),
          );
        },
        () => new Set([...this.context.members()].map((member) => member.userId)),
      );
      search.input.dataset.focus = 'add-member';
      search.input.placeholder = 'Username';
      this.search = search;
    }
    return h('div', { class: 'panel-section add-member' }, this.search.element);
  }

  async loadBans(): Promise<void> {
    try {
      const bans: Ban[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.context.api.bans(this.context.roomId, cursor);
        bans.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && bans.length < 500);
      this.bans = bans;
      this.render();
    } catch {
      this.bans = null;
    }
  }

  private async unban(userId: string, name: string): Promise<void> {
    try {
      await this.context.api.unban(this.context.roomId, userId);
      toast(`The ban of ${name} is lifted.`);
      await this.loadBans();
    } catch (error) {
      toast(errorText(error, 'them'), 'error');
    }
  }
}
