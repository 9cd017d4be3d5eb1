// The administration page of the demo, for server administrators only (the client shows it when
// `GET /admin/audit?limit=1` answers 200; everybody else gets 404 there): every room with search and delete, the
// open reports of every room, server-wide user bans, and the audit log.
import type { Api } from './api';
import { userSearch } from './dialogs';
import { confirmDialog, fullTime, h, replace, toast } from './dom';
import { errorText } from './errors';
import { icon } from './icons';
import type { Account, AuditEntry, Report, Room } from './types';

type Tab = 'rooms' | 'reports' | 'users' | 'audit';

const TABS: Array<[Tab, string]> = [
  ['rooms', 'Rooms'],
  ['reports', 'Reports'],
  ['users', 'Users'],
  ['audit', 'Audit log'],
];

/** Whether the signed-in user is a server administrator: the audit log answers them, and 404s anybody else. */
export async function isAdministrator(api: Api): Promise<boolean> {
  try {
    await api.adminAudit(1);
    return true;
  } catch {
    return false;
  }
}

export class AdminPage {
  readonly element: HTMLElement;
  private readonly tabList: HTMLElement;
  private readonly panel: HTMLElement;
  private tab: Tab = 'rooms';
  /** Room titles of reports (rooms the administrator is not in), by id. */
  private readonly roomTitles = new Map<string, string>();
  /** Rooms deleted from this page: a search answered before the deletion must not show them again. */
  private readonly deletedRoomIds = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly meId: string,
    back: () => void,
  ) {
    this.tabList = h('div', { class: 'admin-tabs', role: 'tablist', 'aria-label': 'Administration' });
    this.panel = h('div', { class: 'admin-panel', role: 'tabpanel', id: 'admin-panel', tabindex: -1 });
    this.element = h(
      'section',
      { class: 'admin', 'aria-labelledby': 'admin-title' },
      h(
        'header',
        { class: 'room-header' },
        h('button', { type: 'button', class: 'icon-button back-button', 'aria-label': 'Back to rooms', onclick: back }, icon('back', 20)),
        h('span', { class: 'avatar avatar-large admin-avatar', 'aria-hidden': 'true' }, icon('shield', 22)),
        h('div', { class: 'room-heading' }, h('h2', { id: 'admin-title', tabindex: -1 }, 'Administration'), h('p', { class: 'room-subtitle' }, 'Every room, reports, user bans and the audit log')),
      ),
      this.tabList,
      this.panel,
    );
  }

  start(): void {
    this.show('rooms');
    this.element.querySelector<HTMLElement>('h2')?.focus();
  }

  private show(tab: Tab): void {
    this.tab = tab;
    replace(
      this.tabList,
      ...TABS.map(([id, label]) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'admin-tab',
            id: `admin-tab-${id}`,
            'aria-selected': String(id === tab),
            'aria-controls': 'admin-panel',
            tabindex: id === tab ? 0 : -1,
            onclick: () => this.show(id),
            onkeydown: (event: Event) => {
              const key = (event as KeyboardEvent).key;
              if (key !== 'ArrowRight' && key !== 'ArrowLeft') return;
              const index = TABS.findIndex(([t]) => t === this.tab);
              const next = TABS[(index + (key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length][0];
              this.show(next);
              this.tabList.querySelector<HTMLElement>(`#admin-tab-${next}`)?.focus();
            },
          },
          label,
        ),
      ),
    );
    this.panel.setAttribute('aria-labelledby', `admin-tab-${tab}`);
    if (tab === 'rooms') this.showRooms();
    else if (tab === 'reports') void this.showReports();
    else if (tab === 'users') this.showUsers();
    else void this.showAudit();
  }

  // ---- rooms ------------------------------------------------------------------------------------------------

  private showRooms(): void {
    const q = h('input', { id: 'admin-room-search', type: 'search', autocomplete: 'off', placeholder: 'Title contains…' });
    const list = h('ul', { class: 'admin-list', 'aria-label': 'Rooms' });
    const status = h('p', { class: 'hint', 'aria-live': 'polite' });
    const more = h('button', { type: 'button', hidden: true }, 'Load more');
    let cursor: string | null = null;
    let generation = 0;
    const load = async (fresh: boolean) => {
      const mine = fresh ? ++generation : generation;
      if (fresh) {
        cursor = null;
        replace(list);
      }
      try {
        const page = await this.api.adminRooms(q.value.trim(), cursor);
        if (mine !== generation) return;
        cursor = page.nextCursor;
        list.append(...page.items.filter((room) => !this.deletedRoomIds.has(room.id)).map((room) => this.roomItem(room)));
        status.textContent = list.children.length === 0 ? 'No rooms match.' : `${list.children.length}${cursor ? '+' : ''} room${list.children.length === 1 ? '' : 's'}`;
        more.hidden = !cursor;
      } catch (error) {
        status.textContent = `Could not load the rooms: ${errorText(error)}`;
      }
    };
    let timer: number | undefined;
    q.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void load(true), 250);
    });
    more.addEventListener('click', () => void load(false));
    replace(this.panel, h('div', { class: 'field' }, h('label', { for: 'admin-room-search' }, 'Search rooms'), q), status, list, more);
    void load(true);
  }

  private roomItem(room: Room): HTMLElement {
    this.roomTitles.set(room.id, room.title);
    const item = h(
      'li',
      { class: 'admin-item', 'data-room-id': room.id },
      h(
        'div',
        { class: 'admin-item-text' },
        h('strong', {}, room.title || 'Direct chat'),
        h(
          'span',
          { class: 'hint' },
          [room.type === 'direct' ? 'direct' : room.isPublic ? 'public group' : 'private group', `${room.memberCount} member${room.memberCount === 1 ? '' : 's'}`, room.allowGuests ? 'guests' : null, room.frozen ? 'frozen' : null]
            .filter(Boolean)
            .join(' · '),
        ),
      ),
    );
    const remove = h('button', { type: 'button', class: 'tool', 'aria-label': `Delete room ${room.title}` }, icon('trash', 16), 'Delete');
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the room ${room.title || room.id} for all its members?`, 'Delete room'))) return;
      try {
        await this.api.adminDeleteRoom(room.id);
        this.deletedRoomIds.add(room.id);
        for (const shown of document.querySelectorAll(`.admin-item[data-room-id="${room.id}"]`)) shown.remove();
        toast(`${room.title || 'The room'} was deleted.`);
      } catch (error) {
        toast(errorText(error), 'error');
      }
    });
    item.append(remove);
    return item;
  }

  // ---- reports ----------------------------------------------------------------------------------------------

  private async showReports(): Promise<void> {
    const list = h('ul', { class: 'admin-list', 'aria-label': 'Open reports' });
    const status = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Loading…');
    replace(this.panel, status, list);
    try {
      const reports: Report[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.api.adminReports(cursor);
        reports.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && reports.length < 500);
      await Promise.all(
        [...new Set(reports.map((r) => r.roomId))]
          .filter((id) => !this.roomTitles.has(id))
          .map(async (id) => {
            const room = await this.api.adminRoom(id).catch(() => null);
            if (room) this.roomTitles.set(id, room.title);
          }),
      );
      if (this.tab !== 'reports') return;
      list.append(...reports.map((report) => this.reportItem(report, status, list)));
      status.textContent = reports.length === 0 ? 'No open reports.' : '';
    } catch (error) {
      status.textContent = `Could not load the reports: ${errorText(error)}`;
    }
  }

  private reportItem(report: Report, status: HTMLElement, list: HTMLElement): HTMLElement {
    const item = h(
      'li',
      { class: 'admin-item', 'data-report-id': report.id },
      h(
        'div',
        { class: 'admin-item-text' },
        h('strong', {}, `In ${this.roomTitles.get(report.roomId) ?? report.roomId}`),
        h('span', { class: 'report-reason' }, report.reason),
        h('span', { class: 'hint' }, `Reported by ${report.reporterId === this.meId ? 'you' : report.reporterId} · `, h('time', { datetime: report.createdAt }, fullTime(report.createdAt))),
      ),
    );
    const settled = () => {
      item.remove();
      if (list.children.length === 0) status.textContent = 'No open reports.';
    };
    const remove = h('button', { type: 'button', class: 'tool' }, 'Delete message');
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog('Delete the reported message for everybody?', 'Delete'))) return;
      try {
        await this.api.adminDeleteMessage(report.messageId);
        await this.api.adminResolveReport(report.id);
        settled();
        toast('The message was deleted and the report resolved.');
      } catch (error) {
        toast(errorText(error), 'error');
      }
    });
    const resolve = h('button', { type: 'button', class: 'tool' }, 'Resolve');
    resolve.addEventListener('click', async () => {
      try {
        await this.api.adminResolveReport(report.id);
        settled();
        toast('The report is resolved.');
      } catch (error) {
        toast(errorText(error), 'error');
      }
    });
    item.append(h('div', { class: 'report-actions' }, remove, resolve));
    return item;
  }

  // ---- users ------------------------------------------------------------------------------------------------

  /**
   * Server-wide bans: pick a local account by username (or type any user id, for users of an identity provider),
   * then ban (every request refused, sockets cut) with an optional reason and end, or lift the ban.
   */
  private showUsers(): void {
    const userId = h('input', { id: 'admin-user-id', autocomplete: 'off', spellcheck: 'false', required: true });
    const reason = h('input', { id: 'admin-ban-reason', maxlength: 500, autocomplete: 'off' });
    const until = h('input', { id: 'admin-ban-until', type: 'datetime-local' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const search = userSearch(
      this.api,
      'Find a user by username',
      (account: Account) => {
        userId.value = account.id;
        userId.dataset.name = account.username;
        search.input.value = '';
        search.refresh();
        userId.focus();
      },
      () => new Set([this.meId]),
    );
    const nameOf = () => (userId.dataset.name && userId.value ? userId.dataset.name : userId.value.trim());
    userId.addEventListener('input', () => delete userId.dataset.name);
    const act = async (on: boolean) => {
      error.textContent = '';
      const id = userId.value.trim();
      if (!id) {
        error.textContent = 'Pick a user first.';
        return;
      }
      const at = until.value ? new Date(until.value) : null;
      if (on && at && !(at.getTime() > Date.now())) {
        error.textContent = 'Pick a time in the future, or leave it empty.';
        return;
      }
      try {
        await this.api.adminBanUser(id, on, on ? { ...(reason.value.trim() && { reason: reason.value.trim() }), ...(at && { until: at.toISOString() }) } : {});
        toast(on ? `${nameOf()} is banned from the server.` : `The server ban of ${nameOf()} is lifted.`);
      } catch (failure) {
        error.textContent = errorText(failure, 'them');
      }
    };
    const form = h(
      'form',
      { class: 'stack admin-form', 'aria-label': 'Server-wide ban' },
      search.element,
      h('div', { class: 'field' }, h('label', { for: 'admin-user-id' }, 'User id'), userId),
      h('div', { class: 'field' }, h('label', { for: 'admin-ban-reason' }, 'Reason (optional)'), reason),
      h('div', { class: 'field' }, h('label', { for: 'admin-ban-until' }, 'Until (optional: empty bans until lifted)'), until),
      error,
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: () => void act(false) }, 'Lift ban'), h('button', { type: 'submit', class: 'danger' }, 'Ban from server')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void act(true);
    });
    replace(this.panel, h('p', { class: 'hint' }, 'A banned user is refused on every request and disconnected at once, on every node.'), form);
  }

  // ---- audit log --------------------------------------------------------------------------------------------

  private async showAudit(): Promise<void> {
    const list = h('ol', { class: 'admin-list audit-list', 'aria-label': 'Audit log' });
    const status = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Loading…');
    const more = h('button', { type: 'button', hidden: true }, 'Load more');
    let cursor: string | null = null;
    const load = async () => {
      more.disabled = true;
      try {
        const page = await this.api.adminAudit(50, cursor);
        cursor = page.nextCursor;
        list.append(...page.items.map((entry) => this.auditItem(entry)));
        status.textContent = list.children.length === 0 ? 'Nothing recorded yet.' : '';
        more.hidden = !cursor;
      } catch (error) {
        status.textContent = `Could not load the audit log: ${errorText(error)}`;
      } finally {
        more.disabled = false;
      }
    };
    more.addEventListener('click', () => void load());
    replace(this.panel, h('div', { class: 'panel-toolbar' }, h('button', { type: 'button', class: 'tool', onclick: () => void this.showAudit() }, 'Refresh')), status, list, more);
    await load();
  }

  private auditItem(entry: AuditEntry): HTMLElement {
    const actor = entry.actorId === this.meId ? 'you' : entry.actorId;
    const target = entry.target.type === 'room' && this.roomTitles.has(entry.target.id) ? `room ${this.roomTitles.get(entry.target.id)}` : `${entry.target.type} ${entry.target.id}`;
    const details = entry.details && Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : null;
    return h(
      'li',
      { class: 'admin-item audit-entry', 'data-action': entry.action },
      h(
        'div',
        { class: 'admin-item-text' },
        h('span', {}, h('strong', { class: 'audit-action' }, entry.action), ` by ${actor}`),
        h('span', { class: 'hint' }, target),
        details ? h('code', { class: 'audit-details' }, details) : null,
      ),
      h('time', { class: 'hint', datetime: entry.createdAt }, fullTime(entry.createdAt)),
    );
  }
}
