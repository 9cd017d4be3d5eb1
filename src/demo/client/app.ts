import { Api, ApiError } from './api';
import { AdminPage, isAdministrator } from './admin-page';
import { BlockList } from './blocks';
import { directChatDialog, newGroupDialog, publicRoomsDialog, publicRoomsList } from './dialogs';
import { h, hue, initials, replace, shortTime, toast } from './dom';
import { ImageCache } from './images';
import { Realtime } from './realtime';
import { MessageDelivery } from './delivery';
import { clearDrafts } from './drafts';
import type { Outbox } from './outbox';
import type { Session } from './session';
import { RoomView } from './room-view';
import type { Account, Room, ServerEvents } from './types';
import { VersionGate } from './version-gate';
import { icon } from './icons';
import { isMuted, nextMuteEnd, PushBell } from './notifications';

interface RoomEntry {
  room: Room;
  /** The other member of a direct room, for its presence dot. */
  peer?: { userId: string; online: boolean };
}

import { errorText } from './errors';
const activity = (room: Room) => room.lastMessageAt ?? room.createdAt;
const roomFromHash = (): string | null => /^#\/rooms\/([^/]+)$/.exec(location.hash)?.[1] ?? null;
/** The administration page's address. */
const ADMIN_HASH = '#/admin';
/** What the person reads when their session ends by itself. */
const SESSION_EXPIRED = 'Your session has expired. Please log in again.';
/** Pages of changes an open room follows to catch up before it reloads its history instead. */
const MAX_CATCH_UP_PAGES = 5;
/** Failed background work (a catch-up, the room list) is tried again this much later when the server did not say when. */
const RETRY_SECONDS = 3;

/**
 * The signed-in client: the room list on the left, the open room on the right (one at a time at phone width),
 * kept current by the `/chat` socket. Every room event carries the room's version: the events of a room are applied
 * in version order (an event past a gap waits for the missing ones, as two nodes' events can cross: 1 s, longer
 * when the client has seen longer gaps, at most 5 s), and a gap still open after that, or a reconnection, is caught
 * up through `GET /rooms/{id}/changes?since=`.
 */
export class ChatApp {
  readonly element: HTMLElement;
  private readonly api: Api;
  private readonly realtime: Realtime;
  private readonly delivery: MessageDelivery;
  private readonly me: Account;
  private readonly stopRefused: () => void;
  private readonly images: ImageCache;
  private readonly rooms = new Map<string, RoomEntry>();
  private view: RoomView | null = null;
  private admin: AdminPage | null = null;
  /** The "Administration" button of the top bar, shown once the server says the user is an administrator. */
  private readonly adminLink: HTMLAnchorElement;
  private readonly blocks: BlockList;
  /** A guest's rooms to join (public rooms that allow guests), loaded again whenever no room is open. */
  private readonly guestRooms: HTMLElement;
  private ready = false;
  private readonly queued: Array<() => void> = [];
  private readonly catchingUp = new Map<string, Promise<void>>();
  /** The one more catch-up of a room asked for while one was running (see `catchUp`). */
  private readonly catchUpAgain = new Map<string, Promise<void>>();
  /** Work that failed and is to be tried again, by key, with the timer that will (see `later`). */
  private readonly retries = new Map<string, number>();
  /** Room events in version order; a gap open for longer than its grace period syncs the room. */
  private readonly gate = new VersionGate({ version: (roomId) => this.rooms.get(roomId)?.room.version, sync: (roomId) => this.catchUp(roomId) });
  private readonly roomList: HTMLUListElement;
  private readonly roomPane: HTMLElement;
  private readonly connection: HTMLElement;
  private readonly listStatus: HTMLElement;
  private renderQueued = false;
  private stopped = false;
  private readonly bell: PushBell;
  /** Draws the list again when a timed mute ends. */
  private muteTimer: number | undefined;
  /** Rooms whose summary is fetched again soon (an unread message that may have mentioned the viewer changed). */
  private readonly refetching = new Set<string>();

  constructor(
    private readonly session: Session,
    outbox: Outbox | null,
    private readonly signOut: (notice?: string) => void,
  ) {
    this.me = session.user;
    const me = this.me;
    this.api = new Api(session, (error) => this.end(error ? errorText(error) : SESSION_EXPIRED));
    this.stopRefused = session.onRefused(() => this.end(SESSION_EXPIRED));
    this.images = new ImageCache(this.api);
    this.blocks = new BlockList(this.api);
    this.guestRooms = h('div', { class: 'guest-rooms-list' });
    this.adminLink = h('a', { class: 'tool admin-link', href: ADMIN_HASH, hidden: true }, icon('shield', 16), h('span', { class: 'tool-label' }, 'Administration'));
    this.roomList = h('ul', { class: 'room-list', 'aria-labelledby': 'rooms-heading' });
    this.listStatus = h('p', { class: 'hint list-status', 'aria-live': 'polite' }, 'Loading your rooms…');
    this.roomPane = h('main', { class: 'room-pane', id: 'room-pane' });
    this.connection = h('span', { class: 'connection', role: 'status' }, 'Connecting…');
    this.bell = new PushBell(this.api, me.id, (roomId) => (location.hash = `#/rooms/${roomId}`));
    const sidebar = h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Rooms' },
      // Guests can neither create rooms nor open direct chats: they join the public rooms that allow guests, listed
      // in the sidebar (the list view at phone width) instead of the actions.
      me.guest
        ? h('section', { class: 'guest-rooms', 'aria-labelledby': 'guest-rooms-heading' }, h('h2', { id: 'guest-rooms-heading', class: 'sidebar-heading' }, 'Rooms open to guests'), this.guestRooms)
        : h(
            'div',
            { class: 'sidebar-actions' },
            h('button', { type: 'button', class: 'primary', onclick: () => newGroupDialog(this.api, this.me, (room) => this.added(room)) }, icon('plus', 16), 'New group'),
            h('button', { type: 'button', onclick: () => directChatDialog(this.api, this.me, (room) => this.added(room)) }, icon('user', 16), 'Direct chat'),
            h('button', { type: 'button', onclick: () => publicRoomsDialog(this.api, (room) => this.added(room)) }, icon('globe', 16), 'Browse public'),
          ),
      h('h2', { id: 'rooms-heading', class: 'sidebar-heading' }, 'Your rooms'),
      this.listStatus,
      this.roomList,
    );
    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(me.username));
    avatar.style.setProperty('--hue', String(hue(me.username)));
    const topbar = h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'skip-link', href: '#room-pane' }, 'Skip to the conversation'),
      h('h1', { class: 'brand' }, h('span', { class: 'brand-mark' }, icon('chat', 22)), 'Parley'),
      this.connection,
      this.adminLink,
      this.bell.element,
      h('div', { class: 'account' }, avatar, h('span', { class: 'account-name' }, h('span', { class: 'visually-hidden' }, 'Signed in as '), me.username, me.guest ? h('span', { class: 'guest-badge' }, 'guest') : null), h('button', { type: 'button', class: 'logout', onclick: () => this.end() }, icon('logout', 16), 'Log out')),
    );
    this.element = h('div', { class: 'shell', 'data-view': 'list' }, topbar, h('div', { class: 'layout' }, sidebar, this.roomPane));
    this.showEmpty();

    this.realtime = new Realtime(session, {
      connected: (again) => {
        this.connection.textContent = 'Online';
        this.connection.dataset.state = 'online';
        if (again) void this.resync();
        // The connection is back: what waits in the outbox goes now.
        if (this.ready) this.delivery.flush();
      },
      disconnected: () => {
        if (this.stopped) return;
        this.connection.textContent = 'Reconnecting…';
        this.connection.dataset.state = 'offline';
      },
      refused: (message) => this.end(message),
    });
    this.delivery = new MessageDelivery(me.id, this.api, this.realtime, outbox);
    this.listen();
    window.addEventListener('hashchange', this.route);
    document.addEventListener('visibilitychange', this.visible);
  }

  async start(): Promise<void> {
    // Guests have no devices, blocks or administration (403 GUEST_NOT_ALLOWED): none of those is asked for.
    if (!this.me.guest) {
      void this.bell.start();
      void this.blocks.load();
      void isAdministrator(this.api).then((admin) => {
        if (this.stopped) return;
        this.adminLink.hidden = !admin;
        if (admin && location.hash === ADMIN_HASH) this.route();
      });
    }
    await this.delivery.load();
    await this.loadRooms();
    this.ready = true;
    for (const run of this.queued.splice(0)) run();
    this.route();
    // Messages left in the outbox by an earlier visit (a closed tab, a reload while offline) go now, in order.
    this.delivery.flush();
  }

  /**
   * Logs out (no notice: the person asked; the refresh token is revoked and the drafts forgotten), or is logged out
   * with a notice (the session could not be renewed, a ban): the drafts and the outbox stay for the next log-in.
   */
  private end(notice?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopRefused();
    this.delivery.stop();
    if (notice === undefined) {
      void this.session.logout();
      clearDrafts(this.me.id);
    } else this.session.close();
    void this.bell.stop();
    window.clearTimeout(this.muteTimer);
    this.realtime.close();
    this.view?.destroy();
    this.admin = null;
    this.images.clear();
    window.removeEventListener('hashchange', this.route);
    document.removeEventListener('visibilitychange', this.visible);
    this.signOut(notice);
  }

  // ---- rooms -----------------------------------------------------------------------------------------------

  private async loadRooms(): Promise<void> {
    try {
      const rooms: Room[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.api.rooms('mine', cursor);
        rooms.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && rooms.length < 500);
      const known = new Map(this.rooms);
      this.rooms.clear();
      const behind: string[] = [];
      for (const room of rooms) {
        const kept = this.summaryToKeep(room, known.get(room.id)?.room);
        this.rooms.set(room.id, { room: kept, peer: known.get(room.id)?.peer });
        if (kept !== room) behind.push(room.id);
      }
      for (const roomId of behind) void this.catchUp(roomId);
      // Events held for a gap: the reloaded versions may cover them.
      this.gate.settle();
      this.listStatus.textContent = '';
      this.renderRooms();
      await Promise.all(rooms.filter((room) => room.type === 'direct').map((room) => this.loadPeer(room.id)));
    } catch (error) {
      this.listStatus.textContent = `Could not load your rooms: ${errorText(error)}`;
      this.later('rooms', error, () => void this.loadRooms());
    }
  }

  /** The other member of a direct room, with their online state. */
  private async loadPeer(roomId: string): Promise<void> {
    try {
      const page = await this.api.members(roomId);
      const other = page.items.find((member) => member.userId !== this.me.id);
      const entry = this.rooms.get(roomId);
      if (entry && other) {
        entry.peer = { userId: other.userId, online: other.online };
        this.renderRooms();
      }
    } catch {
      // the dot stays grey
    }
  }

  /** A room created, joined or opened from a dialog. */
  private added(room: Room): void {
    this.upsertRoom(room);
    location.hash = `#/rooms/${room.id}`;
  }

  /**
   * The summary of `room` to keep, given the one the page has. The open room shows its messages: it reaches a newer
   * version only through its events or its changes, which bring what changed (taking the version of a summary would
   * start the next catch-up after messages the page never got), so it keeps its version and the caller catches it
   * up. Other rooms take the summary as it is.
   */
  private summaryToKeep(room: Room, known: Room | undefined): Room {
    if (!known || room.version <= known.version || this.view?.roomId !== room.id) return room;
    return { ...room, version: known.version };
  }

  private upsertRoom(room: Room): void {
    const entry = this.rooms.get(room.id);
    if (entry && entry.room.version > room.version) return;
    const kept = this.summaryToKeep(room, entry?.room);
    this.rooms.set(room.id, { room: kept, peer: entry?.peer });
    if (kept !== room) void this.catchUp(room.id);
    this.gate.settle(room.id);
    if (room.type === 'direct' && !entry?.peer) void this.loadPeer(room.id);
    this.renderRooms();
    if (this.view?.roomId === room.id) this.view.roomUpdated();
  }

  private dropRoom(roomId: string, notice?: string): void {
    const entry = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    this.gate.forget(roomId);
    if (this.view?.roomId === roomId) {
      if (notice && entry) toast(notice.replace('%s', entry.room.title));
      location.hash = '';
    }
    this.renderRooms();
  }

  private renderRooms(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.drawRooms();
    });
  }

  private drawRooms(): void {
    const active = document.activeElement instanceof HTMLElement && this.roomList.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    const entries = [...this.rooms.values()].sort((a, b) => activity(b.room).localeCompare(activity(a.room)));
    const openId = this.view?.roomId;
    if (entries.length === 0 && this.listStatus.textContent === '') this.listStatus.textContent = 'No rooms yet: start a direct chat, create a group, or join a public room.';
    else if (entries.length > 0 && this.listStatus.textContent?.startsWith('No rooms')) this.listStatus.textContent = '';
    replace(
      this.roomList,
      ...entries.map(({ room, peer }) => {
        const unread = room.me?.unreadCount ?? 0;
        const mentions = room.me?.unreadMentionCount ?? 0;
        const muted = isMuted(room.me);
        const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(room.title));
        avatar.style.setProperty('--hue', String(hue(room.title)));
        if (room.type === 'direct') avatar.append(h('span', { class: `presence-dot ${peer?.online ? 'online' : 'offline'}` }));
        const label = [
          room.title,
          room.type === 'direct' ? (peer?.online ? 'online' : 'offline') : null,
          unread > 0 ? `${unread} unread` : null,
          mentions > 0 ? `${mentions} mention${mentions === 1 ? '' : 's'}` : null,
          muted ? 'muted' : null,
        ]
          .filter(Boolean)
          .join(', ');
        return h(
          'li',
          {},
          h(
            'a',
            {
              href: `#/rooms/${room.id}`,
              class: `room-item${room.id === openId ? ' active' : ''}${unread > 0 ? ' has-unread' : ''}`,
              'aria-current': room.id === openId ? 'page' : null,
              'aria-label': label,
              'data-focus': room.id,
              'data-room-id': room.id,
            },
            avatar,
            h(
              'span',
              { class: 'room-text' },
              h('span', { class: 'room-line' }, h('span', { class: 'room-title' }, room.title), room.lastMessageAt ? h('time', { datetime: room.lastMessageAt }, shortTime(room.lastMessageAt)) : null),
              h(
                'span',
                { class: 'room-line' },
                h('span', { class: 'room-preview' }, this.preview(room)),
                muted ? h('span', { class: 'muted-icon', title: 'Muted' }, icon('bellOff', 14)) : null,
                mentions > 0 ? h('span', { class: 'badge badge-mention', title: `${mentions} unread mention${mentions === 1 ? '' : 's'}` }, mentions > 9 ? '@9+' : `@${mentions}`) : null,
                unread > 0 ? h('span', { class: `badge${muted ? ' badge-muted' : ''}` }, unread > 99 ? '99+' : String(unread)) : null,
              ),
            ),
          ),
        );
      }),
    );
    if (active) this.roomList.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active)}"]`)?.focus();
    const total = entries.reduce((sum, { room }) => sum + (isMuted(room.me) ? 0 : (room.me?.unreadCount ?? 0)), 0);
    document.title = total > 0 ? `(${total}) Parley` : 'Parley';
    window.clearTimeout(this.muteTimer);
    const muteEnd = nextMuteEnd(entries.map((entry) => entry.room));
    if (muteEnd !== null && muteEnd - Date.now() < 2 ** 31 - 1) this.muteTimer = window.setTimeout(() => this.renderRooms(), muteEnd - Date.now() + 50);
  }

  private preview(room: Room): string {
    const message = room.lastMessage;
    if (!message) return room.type === 'direct' ? 'Direct chat' : room.description || 'No messages yet';
    if (message.deletedAt) return 'Message deleted';
    if (message.type === 'system' || message.senderId === null) return message.body;
    if (this.blocks.has(message.senderId)) return 'Message from someone you blocked';
    const text = message.body || (message.images.length > 0 ? 'Image' : '');
    return message.senderId === this.me.id ? `You: ${text}` : text;
  }

  // ---- the open room ---------------------------------------------------------------------------------------

  private readonly route = (): void => {
    if (this.me.guest) replace(this.guestRooms, publicRoomsList(this.api, (room) => this.added(room), 'No room is open to guests right now.'));
    if (location.hash === ADMIN_HASH && !this.adminLink.hidden) return this.showAdmin();
    const roomId = roomFromHash();
    const previous = this.view?.roomId;
    if (roomId === previous && !this.admin) return;
    this.admin = null;
    this.adminLink.removeAttribute('aria-current');
    this.view?.destroy();
    this.view = null;
    const entry = roomId ? this.rooms.get(roomId) : undefined;
    if (!entry) {
      if (roomId && this.ready) history.replaceState(null, '', location.pathname);
      this.showEmpty();
      this.renderRooms();
      // Back from a room (at phone width, where the list comes back): focus returns to that room in the list.
      if (previous) queueMicrotask(() => this.roomList.querySelector<HTMLElement>(`[data-room-id="${CSS.escape(previous)}"]`)?.focus());
      return;
    }
    const view = new RoomView(
      {
        api: this.api,
        realtime: this.realtime,
        delivery: this.delivery,
        images: this.images,
        meId: this.me.id,
        guest: this.me.guest === true,
        blocks: this.blocks,
        room: () => this.rooms.get(entry.room.id)?.room,
        markRead: (id, seq) => this.markRead(id, seq),
        roomChanged: (room) => this.upsertRoom(room),
        back: () => (location.hash = ''),
        left: (id) => this.dropRoom(id, 'You left %s'),
      },
      entry.room,
    );
    this.view = view;
    replace(this.roomPane, view.element);
    this.element.dataset.view = 'room';
    this.renderRooms();
    void view.start(window.matchMedia('(min-width: 761px)').matches);
  };

  /** The administration page, in place of the open room. */
  private showAdmin(): void {
    if (this.admin) return;
    this.view?.destroy();
    this.view = null;
    this.admin = new AdminPage(this.api, this.me.id, () => (location.hash = ''));
    replace(this.roomPane, this.admin.element);
    this.element.dataset.view = 'room';
    this.adminLink.setAttribute('aria-current', 'page');
    this.renderRooms();
    this.admin.start();
  }

  private showEmpty(): void {
    this.element.dataset.view = 'list';
    if (this.me.guest) {
      replace(this.roomPane, h('div', { class: 'empty-state' }, h('h2', {}, `Welcome, ${this.me.username}`), h('p', {}, 'You are a guest: join one of the rooms open to guests.')));
      return;
    }
    replace(
      this.roomPane,
      h(
        'div',
        { class: 'empty-state' },
        h('h2', {}, 'Welcome to Parley'),
        h('p', {}, 'Pick a room on the left, start a direct chat, or create a group room.'),
      ),
    );
  }

  private markRead(roomId: string, seq: number): void {
    const entry = this.rooms.get(roomId);
    if (!entry?.room.me) return;
    if (entry.room.me.lastReadSeq < seq || entry.room.me.unreadCount > 0 || (entry.room.me.unreadMentionCount ?? 0) > 0) {
      entry.room.me = { ...entry.room.me, lastReadSeq: Math.max(seq, entry.room.me.lastReadSeq), unreadCount: 0, unreadMentionCount: 0 };
      this.realtime.markRead(roomId, seq);
      this.renderRooms();
    }
  }

  private readonly visible = (): void => {
    if (document.visibilityState === 'visible') this.view?.markSeen();
  };

  private viewing(roomId: string): boolean {
    return this.view?.roomId === roomId && document.visibilityState === 'visible';
  }

  // ---- realtime --------------------------------------------------------------------------------------------

  /**
   * Subscribes to the server's events; until the room list is loaded they wait in a queue. Events with a room
   * version go through the gate, which applies each room's events in version order.
   */
  private listen(): void {
    const on = <E extends keyof ServerEvents>(event: E, handler: ServerEvents[E]) => {
      this.realtime.socket.on(event, ((payload: never) => {
        const run = () => this.inOrder(payload, () => (handler as (p: never) => void)(payload));
        if (this.ready) run();
        else this.queued.push(run);
      }) as never);
    };
    on('message.created', ({ roomId, version, message }) => {
      const { entry, fresh } = this.known(roomId, version);
      if (!entry) return;
      if (this.view?.roomId === roomId) {
        this.view.onMessage(message);
        // Sending moves the sender's read pointer without a `receipt` event: the message itself is the receipt.
        if (message.senderId) this.view.onReceipt(message.senderId, message.seq);
      }
      // An event from before the room was loaded is already counted in its summary.
      if (!fresh) return;
      const room = entry.room;
      room.lastSeq = Math.max(room.lastSeq, message.seq);
      if (!message.parentId) {
        room.lastMessage = message;
        room.lastMessageAt = message.createdAt;
      }
      // System messages never count as unread.
      if (message.senderId !== this.me.id && message.type !== 'system' && room.me) {
        if (this.viewing(roomId)) this.markRead(roomId, message.seq);
        else {
          const mentioned = !message.deletedAt && (message.mentions ?? []).includes(this.me.id);
          room.me = { ...room.me, unreadCount: room.me.unreadCount + 1, unreadMentionCount: (room.me.unreadMentionCount ?? 0) + (mentioned ? 1 : 0) };
          this.realtime.markDelivered(roomId, message.seq);
        }
      }
      this.renderRooms();
    });
    on('message.updated', ({ roomId, version, message }) => {
      const { entry } = this.known(roomId, version);
      if (!entry) return;
      if (entry.room.lastMessage?.id === message.id) entry.room.lastMessage = message;
      if (this.view?.roomId === roomId) this.view.onMessageUpdated(message);
      // An edit may add or drop a mention of the viewer in an unread message: the server counts them again.
      const me = entry.room.me;
      if (me && message.senderId !== this.me.id && message.seq > me.lastReadSeq && ((me.unreadMentionCount ?? 0) > 0 || (message.mentions ?? []).includes(this.me.id))) this.refetchRoom(roomId);
      this.renderRooms();
    });
    on('message.deleted', ({ roomId, version, messageId }) => {
      const { entry } = this.known(roomId, version);
      if (!entry) return;
      const last = entry.room.lastMessage;
      if (last?.id === messageId) entry.room.lastMessage = { ...last, body: '', images: [], deletedAt: new Date().toISOString() };
      if (this.view?.roomId === roomId) this.view.onMessageDeleted(messageId, version);
      // A deleted unread mention no longer counts.
      if ((entry.room.me?.unreadMentionCount ?? 0) > 0) this.refetchRoom(roomId);
      this.renderRooms();
    });
    on('member.added', ({ roomId, version, member }) => {
      if (member.userId === this.me.id && !this.rooms.has(roomId)) return void this.fetchRoom(roomId);
      const { entry, fresh } = this.known(roomId, version);
      if (!entry) return;
      if (fresh) entry.room.memberCount += 1;
      if (this.view?.roomId === roomId) {
        this.view.onMember(member);
        this.view.roomUpdated();
      }
    });
    on('member.updated', ({ roomId, version, member }) => {
      const { entry } = this.known(roomId, version);
      if (!entry) return;
      if (member.userId === this.me.id && entry.room.me) {
        const changedMute = member.muted !== isMuted(entry.room.me);
        entry.room.me = { ...entry.room.me, role: member.role, muted: member.muted };
        // Notification settings changed elsewhere (another tab, POST /mute): the room has them.
        if (changedMute) this.refetchRoom(roomId);
      }
      if (this.view?.roomId === roomId) {
        this.view.onMember(member);
        this.view.roomUpdated();
      }
    });
    on('member.removed', ({ roomId, version, member }) => {
      if (member.userId === this.me.id) return this.dropRoom(roomId, 'You are no longer in %s');
      const { entry, fresh } = this.known(roomId, version);
      if (!entry) return;
      if (fresh) entry.room.memberCount = Math.max(1, entry.room.memberCount - 1);
      if (this.view?.roomId === roomId) {
        this.view.onMemberRemoved(member.userId);
        this.view.roomUpdated();
      }
    });
    on('room.updated', ({ roomId, version, room }) => {
      const { entry } = this.known(roomId, version);
      if (!entry) return;
      // The payload is the room as the server sees it; the viewer's own parts (me, a direct room's title) stay.
      entry.room = {
        ...entry.room,
        title: entry.room.type === 'direct' ? entry.room.title : room.title,
        description: room.description,
        imageId: room.imageId,
        isPublic: room.isPublic,
        allowGuests: room.allowGuests,
        slowModeSeconds: room.slowModeSeconds,
        frozen: room.frozen,
        memberCount: room.memberCount,
        updatedAt: room.updatedAt,
      };
      if (this.view?.roomId === roomId) this.view.roomUpdated();
      this.renderRooms();
    });
    on('room.deleted', ({ roomId }) => this.dropRoom(roomId, '%s was deleted'));
    on('receipt', ({ roomId, userId, lastReadSeq }) => {
      const entry = this.rooms.get(roomId);
      if (userId === this.me.id && entry?.room.me) {
        // Read in another tab.
        if (lastReadSeq >= entry.room.lastSeq) entry.room.me = { ...entry.room.me, lastReadSeq, unreadCount: 0, unreadMentionCount: 0 };
        else if ((entry.room.me.unreadMentionCount ?? 0) > 0 && lastReadSeq > entry.room.me.lastReadSeq) this.refetchRoom(roomId);
        this.renderRooms();
      }
      if (this.view?.roomId === roomId) this.view.onReceipt(userId, lastReadSeq);
    });
    on('typing', ({ roomId, userId, isTyping }) => {
      if (this.view?.roomId === roomId) this.view.onTyping(userId, isTyping);
    });
    on('presence', ({ userId, online }) => {
      let changed = false;
      for (const entry of this.rooms.values()) {
        if (entry.peer?.userId === userId && entry.peer.online !== online) {
          entry.peer = { ...entry.peer, online };
          changed = true;
        }
      }
      if (changed) this.renderRooms();
      this.view?.onPresence(userId, online);
    });
  }

  /** A room event (`roomId` and `version`) waits for the gate; others (receipts, typing, presence) run at once. */
  private inOrder(payload: unknown, apply: () => void): void {
    const { roomId, version } = (payload ?? {}) as { roomId?: unknown; version?: unknown };
    if (typeof roomId === 'string' && typeof version === 'number') this.gate.offer(roomId, version, apply);
    else apply();
  }

  /**
   * The room of an event, after checking its version: the next one is recorded, and an old one (already seen, so
   * not `fresh`) is fine to apply again. The gate hands events over in version order, so there is no jump here: a
   * gap is synced by the gate once its grace period is over.
   */
  private known(roomId: string, version: number): { entry?: RoomEntry; fresh: boolean } {
    const entry = this.rooms.get(roomId);
    if (!entry) {
      void this.fetchRoom(roomId);
      return { fresh: false };
    }
    const fresh = version > entry.room.version;
    if (version === entry.room.version + 1) entry.room.version = version;
    else if (version > entry.room.version + 1) void this.catchUp(roomId); // not expected: the gate held it back
    return { entry, fresh };
  }

  /** The room's summary again, a moment later and once for several events (counts only the server has). */
  private refetchRoom(roomId: string): void {
    if (this.refetching.has(roomId)) return;
    this.refetching.add(roomId);
    window.setTimeout(() => {
      this.refetching.delete(roomId);
      if (!this.stopped && this.rooms.has(roomId)) void this.fetchRoom(roomId);
    }, 300);
  }

  private async fetchRoom(roomId: string): Promise<void> {
    try {
      const room = await this.api.room(roomId);
      if (room.me) this.upsertRoom(room);
    } catch {
      // not visible to us (any more)
    }
  }

  /**
   * `GET /rooms/{id}/changes?since=`: everything after the version we have, a page at a time (`since` = the last
   * page's version, `cursor` = its nextCursor, until `hasMore` is false); one catch-up per room at a time. Only
   * the summary of a room that is not open is kept, so one small page (for its current room) is enough; an open
   * room that is more than a few pages behind reloads its history instead, as the README advises.
   * A catch-up asked for while one is running is not answered by it: the running one may have read the room before
   * what the new request is for (a reconnection whose socket missed a message while that read was under way, or
   * waited for a renewed token), so one more runs after it, shared by every request made meanwhile.
   */
  private catchUp(roomId: string): Promise<void> {
    const running = this.catchingUp.get(roomId);
    if (running) {
      let again = this.catchUpAgain.get(roomId);
      if (!again) {
        again = running.then(() => {
          this.catchUpAgain.delete(roomId);
          return this.catchUp(roomId);
        });
        this.catchUpAgain.set(roomId, again);
      }
      return again;
    }
    // Removed once settled, never before it is recorded (`finally` runs later even when the run ends at once).
    const run = this.catchUpOnce(roomId).finally(() => this.catchingUp.delete(roomId));
    this.catchingUp.set(roomId, run);
    return run;
  }

  private async catchUpOnce(roomId: string): Promise<void> {
    const entry = this.rooms.get(roomId);
    if (!entry) return;
    try {
      let since = entry.room.version;
      let cursor: string | null = null;
      for (let page = 1; ; page++) {
        const open = this.view?.roomId === roomId;
        const changes = await this.api.changes(roomId, since, open ? { cursor } : { limit: 1 });
        const current = this.rooms.get(roomId);
        if (!current) return;
        if (changes.hasMore && (!open || page >= MAX_CATCH_UP_PAGES)) {
          // The room as it is now; an open view reloads what it shows.
          current.room = { ...changes.room, version: Math.max(changes.room.version, current.room.version) };
          if (this.view?.roomId === roomId) {
            await this.view.reload();
            this.view.roomUpdated();
          }
          break;
        }
        current.room = { ...changes.room, version: Math.max(changes.version, current.room.version) };
        if (this.view?.roomId === roomId) {
          this.view.applyChanges(changes);
          this.view.roomUpdated();
        }
        if (!changes.hasMore) break;
        since = changes.version;
        cursor = changes.nextCursor;
      }
      this.renderRooms();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.dropRoom(roomId, 'You are no longer in %s');
      else this.retryCatchUp(roomId, error);
    }
  }

  /** A catch-up that failed is tried again (see `later`); what the socket missed must still come. */
  private retryCatchUp(roomId: string, error: unknown): void {
    this.later(`changes:${roomId}`, error, () => {
      if (this.rooms.has(roomId)) void this.catchUp(roomId);
    });
  }

  /**
   * Runs `work` again after a failure (the server busy or its database away, a request lost): after the wait the
   * server asked for, or a few seconds, with jitter; once per `key` at a time. Offline there is no point: the
   * reconnection loads the rooms and catches up.
   */
  private later(key: string, error: unknown, work: () => void): void {
    if (this.stopped || this.retries.has(key) || !navigator.onLine) return;
    const seconds = error instanceof ApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds : RETRY_SECONDS;
    const timer = window.setTimeout(
      () => {
        this.retries.delete(key);
        if (!this.stopped) work();
      },
      seconds * 1000 * (1 + Math.random() / 2),
    );
    this.retries.set(key, timer);
  }

  /** After a reconnection: the open room catches up through its changes, then the list is reloaded. */
  private async resync(): Promise<void> {
    const open = this.view?.roomId;
    if (open) {
      await this.catchUp(open);
      this.view?.resync();
    }
    await this.loadRooms();
    if (open && !this.rooms.has(open)) location.hash = '';
    // The list came from the server before our read of the open room was: it is read.
    this.view?.markSeen();
  }
}
