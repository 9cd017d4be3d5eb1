import { ApiError, type Api } from './api';
import { Composer } from './composer';
import type { BlockList } from './blocks';
import { confirmDialog, h, hue, initials, replace, toast, uuid } from './dom';
import { errorText } from './errors';
import type { ImageCache } from './images';
import { MessageList, messageKey, type MessageContext } from './message-list';
import type { Realtime } from './realtime';
import { localMessage, type DeliveryUpdate, type MessageDelivery } from './delivery';
import { draftKey } from './drafts';
import type { OutboxEntry } from './outbox';
import type { Changes, Image, LocalMessage, Member, Message, Room } from './types';
import { ReportsPanel } from './reports-panel';
import { icon } from './icons';
import { mentionedIds, type MentionCandidate } from './mentions';
import { NotificationMenu } from './notifications';
import { MembersPanel, silenced, untilText } from './members-panel';
import { reportDialog, roomSettingsDialog } from './moderation-dialogs';
import { PinsPanel } from './pins-panel';
import { SearchPanel } from './search-panel';

/** What the room view needs from the app around it. */
export interface RoomHost {
  api: Api;
  realtime: Realtime;
  /** Sends the viewer's messages through the outbox. */
  delivery: MessageDelivery;
  images: ImageCache;
  meId: string;
  /** A guest session: no uploads, blocks, reports or notification settings. */
  guest: boolean;
  /** The users the viewer blocked: their messages are hidden. */
  blocks: BlockList;
  /** The room's current summary (kept by the app from the list and events). */
  room(): Room | undefined;
  /** The viewer has seen the room up to `seq`. */
  markRead(roomId: string, seq: number): void;
  /** The room summary changed (notification settings, or a message the view sent). */
  roomChanged(room: Room): void;
  back(): void;
  left(roomId: string): void;
}

type Panel = { kind: 'members' } | { kind: 'reports' } | { kind: 'pins' } | { kind: 'search' } | { kind: 'thread'; parentId: string };

/** Pages of 100 a jump to a message (a pin, a search result) loads at most to reach it in the history. */
const MAX_JUMP_PAGES = 20;

/** Newer state wins: a message the server has replaces a local one, and a lower version never replaces a higher. */
function upsert(map: Map<string, LocalMessage>, message: LocalMessage): boolean {
  const key = messageKey(message);
  const existing = map.get(key);
  if (existing && !existing.local && existing.version > message.version) return false;
  map.set(key, message);
  return true;
}

const bySeq = (a: LocalMessage, b: LocalMessage) => a.seq - b.seq || a.createdAt.localeCompare(b.createdAt);

/**
 * One open room: its history (newest at the bottom, older pages loaded as you scroll up), the composer, typing
 * and "seen by" lines, and a side panel with the members or a thread.
 */
export class RoomView {
  readonly element: HTMLElement;
  readonly roomId: string;
  private readonly messages = new Map<string, LocalMessage>();
  private readonly members = new Map<string, Member>();
  private readonly typing = new Map<string, number>();
  private olderCursor: string | null = null;
  private loadingOlder = false;
  private historyLoaded = false;
  private readonly list: MessageList;
  private readonly composer: Composer;
  private readonly scroller: HTMLElement;
  private readonly historyStatus: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly header: HTMLElement;
  private readonly sidePanel: HTMLElement;
  private panel: Panel | null = null;
  /** The viewer's newest message the server has, which carries the "Seen by" line (worked out once per render). */
  private newestMineId: string | null = null;
  private thread: { parentId: string; replies: Map<string, LocalMessage>; cursor: string | null; list: MessageList; composer: Composer; loading: boolean } | null = null;
  private readonly observer: IntersectionObserver;
  private readonly notificationMenu: NotificationMenu;
  private muteTimer: number | undefined;
  private closed = false;
  /** Names of users seen in this room (members that left or were banned keep theirs for the bans list). */
  private readonly names = new Map<string, string>();
  /** The members, while that panel is open. */
  private membersPanel: MembersPanel | null = null;
  /** The room's open reports, while that panel is open. */
  private reportsPanel: ReportsPanel | null = null;
  /** The pinned messages, while that panel is open. */
  private pinsPanel: PinsPanel | null = null;
  /** The search, kept while the room is open (what was typed and found stays when the panel is closed and opened). */
  private searchPanel: SearchPanel | null = null;
  /** Draws the composer again when the viewer's read-only time ends. */
  private silenceTimer: number | undefined;
  private readonly stopBlocks: () => void;
  private readonly stopDelivery: () => void;

  constructor(
    private readonly host: RoomHost,
    room: Room,
  ) {
    this.roomId = room.id;
    this.header = h('header', { class: 'room-header' });
    this.historyStatus = h('p', { class: 'history-status' }, 'Loading messages…');
    this.list = new MessageList(this.context(true), `Messages in ${room.title}`);
    this.scroller = h('div', { class: 'messages', tabindex: 0, 'aria-label': 'Message history' }, this.historyStatus, this.list.element);
    this.typingLine = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.composer = new Composer({
      api: host.api,
      label: `Message ${room.title}`,
      placeholder: `Message ${room.title}`,
      onSend: (body, images, previews, mentions) => this.send(body, images, previews, mentions),
      mentionCandidates: () => this.mentionCandidates(),
      onTyping: (isTyping) => host.realtime.typing(this.roomId, isTyping),
      images: !host.guest,
      draftKey: draftKey(host.meId, room.id),
    });
    this.stopBlocks = host.blocks.subscribe(() => this.refresh());
    // Messages still in the outbox (sent while offline, before a reload) show where they were left.
    for (const message of host.delivery.messagesOf(room.id)) if (!message.parentId) this.messages.set(messageKey(message), message);
    this.stopDelivery = host.delivery.subscribe((update) => this.onDelivery(update));
    this.sidePanel = h('aside', { class: 'side-panel', hidden: true });
    this.notificationMenu = new NotificationMenu(host.api, (updated) => host.roomChanged(updated));
    const column = h('section', { class: 'room-column', 'aria-labelledby': 'room-title' }, this.header, this.scroller, this.typingLine, this.composer.element);
    this.element = h('div', { class: 'room' }, column, this.sidePanel);
    this.element.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      if (this.list.dismiss() || this.thread?.list.dismiss()) return;
      if (this.panel) {
        event.preventDefault();
        this.closePanel();
      }
    });
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void this.loadOlder();
    }, { root: this.scroller, rootMargin: '300px 0px 0px 0px' });
    this.renderHeader();
  }

  /** Loads members and the newest page; call once the element is in the page. */
  async start(focusComposer: boolean): Promise<void> {
    // At phone width the on-screen keyboard would cover the room: the heading gets the focus instead.
    if (focusComposer) this.composer.focus();
    else this.header.querySelector<HTMLElement>('h2')?.focus();
    await Promise.all([this.loadMembers(), this.loadNewest()]);
    this.observer.observe(this.historyStatus);
  }

  destroy(): void {
    this.closed = true;
    this.observer.disconnect();
    this.stopBlocks();
    this.stopDelivery();
    window.clearTimeout(this.muteTimer);
    window.clearTimeout(this.silenceTimer);
    this.composer.destroy();
    this.thread?.composer.destroy();
    for (const timer of this.typing.values()) window.clearTimeout(timer);
  }

  // ---- loading ---------------------------------------------------------------------------------------------

  private async loadMembers(): Promise<void> {
    try {
      let cursor: string | null = null;
      this.members.clear();
      do {
        const page = await this.host.api.members(this.roomId, cursor);
        for (const member of page.items) {
          this.members.set(member.userId, member);
          if (member.name) this.names.set(member.userId, member.name);
        }
        cursor = page.nextCursor;
      } while (cursor && this.members.size < 1000);
      this.refresh();
    } catch (error) {
      if (!this.closed) toast(`Could not load the members: ${errorText(error)}`, 'error');
    }
  }

  private async loadNewest(): Promise<void> {
    try {
      const page = await this.host.api.messages(this.roomId, { limit: 30 });
      for (const message of page.items) upsert(this.messages, message);
      this.olderCursor = page.nextCursor;
      this.historyLoaded = true;
      this.refresh();
      this.scrollToBottom();
      this.markSeen();
    } catch (error) {
      this.historyStatus.textContent = `Could not load the messages: ${errorText(error)}`;
    }
  }

  /** The page before the oldest message shown, keeping what is on screen where it is. */
  private async loadOlder(): Promise<void> {
    if (!this.historyLoaded || !this.olderCursor || this.loadingOlder || this.closed) return;
    this.loadingOlder = true;
    this.historyStatus.textContent = 'Loading earlier messages…';
    try {
      const page = await this.host.api.messages(this.roomId, { cursor: this.olderCursor, limit: 30 });
      const before = this.scroller.scrollHeight - this.scroller.scrollTop;
      for (const message of page.items) upsert(this.messages, message);
      this.olderCursor = page.nextCursor;
      this.refresh();
      this.scroller.scrollTop = this.scroller.scrollHeight - before;
    } catch (error) {
      toast(`Could not load earlier messages: ${errorText(error)}`, 'error');
    } finally {
      this.loadingOlder = false;
      this.renderHistoryStatus();
    }
    // Still at the top (a short page, a tall screen): keep going.
    if (this.olderCursor && this.scroller.scrollTop < 300) void this.loadOlder();
  }

  private renderHistoryStatus(): void {
    if (!this.historyLoaded) return;
    this.historyStatus.textContent = this.olderCursor ? 'Scroll up for earlier messages' : this.messages.size === 0 ? 'No messages yet. Say hello!' : 'This is the beginning of the conversation.';
  }

  // ---- events from the app ---------------------------------------------------------------------------------

  onMessage(message: Message): void {
    this.pinsPanel?.messageChanged(message);
    if (message.parentId) {
      if (this.thread?.parentId === message.parentId && upsert(this.thread.replies, message)) this.renderThread();
      return;
    }
    const nearBottom = this.isNearBottom();
    upsert(this.messages, message);
    if (message.senderId) this.clearTyping(message.senderId);
    this.refresh();
    if (nearBottom || message.senderId === this.host.meId) this.scrollToBottom();
  }

  /**
   * A `message.updated` event. The server sends one copy to the whole room, so its reactions cannot say which are
   * the viewer's (`me` is false in all of them): the viewer's own, known from this page, are kept.
   */
  onMessageUpdated(message: Message): void {
    const known = (message.parentId ? this.thread?.replies : this.messages)?.get(messageKey(message));
    if (!known) return this.onMessage(message);
    const mine = new Set(known.reactions.filter((reaction) => reaction.me).map((reaction) => reaction.emoji));
    this.onMessage({ ...message, reactions: message.reactions.map((reaction) => ({ ...reaction, me: mine.has(reaction.emoji) })) });
  }

  onMessageDeleted(messageId: string, version: number): void {
    for (const map of [this.messages, this.thread?.replies]) {
      if (!map) continue;
      for (const [key, message] of map) {
        if (message.id === messageId) map.set(key, { ...message, body: '', images: [], reactions: [], deletedAt: new Date().toISOString(), version });
      }
    }
    // A deleted pinned message leaves the pins.
    if (this.panel?.kind === 'pins') void this.pinsPanel?.load();
    this.refresh();
  }

  onMember(member: Member): void {
    this.members.set(member.userId, member);
    if (member.name) this.names.set(member.userId, member.name);
    this.refresh();
  }

  onMemberRemoved(userId: string): void {
    this.members.delete(userId);
    this.clearTyping(userId);
    this.membersPanel?.memberRemoved(userId);
    this.refresh();
  }

  onReceipt(userId: string, lastReadSeq: number): void {
    const member = this.members.get(userId);
    if (member && lastReadSeq > member.lastReadSeq) {
      this.members.set(userId, { ...member, lastReadSeq });
      this.refresh();
    }
  }

  onPresence(userId: string, online: boolean): void {
    const member = this.members.get(userId);
    if (member && member.online !== online) {
      this.members.set(userId, { ...member, online });
      this.renderHeader();
      this.renderPanel();
    }
  }

  onTyping(userId: string, isTyping: boolean): void {
    if (userId === this.host.meId) return;
    window.clearTimeout(this.typing.get(userId));
    if (isTyping) this.typing.set(userId, window.setTimeout(() => this.clearTyping(userId), 8000));
    else this.typing.delete(userId);
    this.renderTyping();
  }

  /** After a reconnection or a gap in versions: what `GET /rooms/{id}/changes` returned. */
  applyChanges(changes: Changes): void {
    for (const message of changes.messages) {
      if (message.parentId) {
        if (this.thread?.parentId === message.parentId) upsert(this.thread.replies, message);
      } else upsert(this.messages, message);
    }
    for (const member of changes.members) this.members.set(member.userId, member);
    for (const userId of changes.removedMemberIds) this.members.delete(userId);
    this.refresh();
    this.markSeen();
  }

  /**
   * The room was too far behind to page through its changes: the history is loaded again as on opening (the
   * newest page, older ones on scroll), with the members and the open thread; messages still sending stay.
   */
  async reload(): Promise<void> {
    for (const [key, message] of this.messages) if (!message.local) this.messages.delete(key);
    this.olderCursor = null;
    const thread = this.thread;
    if (thread) {
      for (const [key, reply] of thread.replies) if (!reply.local) thread.replies.delete(key);
      thread.cursor = null;
    }
    await Promise.all([this.loadMembers(), this.loadNewest(), thread ? this.loadReplies() : undefined]);
  }

  /** After a reconnection: presence and pointers may have changed while we were away. */
  resync(): void {
    void this.loadMembers();
  }

  /** The room summary changed (title, mute, members, settings, the viewer's role). */
  roomUpdated(): void {
    // Everything is drawn again: the viewer's role also decides actions of every message (delete, pin).
    this.refresh();
  }

  /** The page became visible again: what arrived meanwhile is now seen. */
  markSeen(): void {
    const room = this.host.room();
    if (!room || document.visibilityState !== 'visible') return;
    const newest = Math.max(room.lastSeq, ...[...this.messages.values()].filter((m) => !m.local).map((m) => m.seq));
    if (newest > 0 && (room.me?.lastReadSeq ?? 0) < newest) this.host.markRead(this.roomId, newest);
  }

  // ---- rendering -------------------------------------------------------------------------------------------

  private refresh(): void {
    // Messages of users the viewer blocked are left out (the server still sends them: see GET /blocks).
    const sorted = [...this.messages.values()].filter((m) => !this.host.blocks.has(m.senderId)).sort(bySeq);
    this.newestMineId = null;
    for (const m of sorted) if (m.senderId === this.host.meId && !m.local && !m.deletedAt) this.newestMineId = m.id;
    this.list.render(sorted);
    this.renderHistoryStatus();
    this.renderTyping();
    this.renderHeader();
    this.renderNames();
    this.renderComposerState();
    this.renderPanel();
  }

  /** The history and the message box are named after the room, which may have been renamed since they were made. */
  private renderNames(): void {
    const title = this.host.room()?.title;
    if (!title) return;
    this.list.rename(`Messages in ${title}`);
    this.composer.rename(`Message ${title}`);
  }

  /** The owner and admins of a group room moderate it (direct rooms have no moderation). */
  private moderator(): boolean {
    const room = this.host.room();
    return room?.type === 'group' && (room.me?.role === 'owner' || room.me?.role === 'admin');
  }

  /**
   * What the composer says about sending here: frozen (only owner/admins send), the viewer read-only until a time,
   * or slow mode; the first two disable it, as the server would refuse the send.
   */
  private renderComposerState(): void {
    const room = this.host.room();
    if (!room) return;
    const me = this.members.get(this.host.meId);
    window.clearTimeout(this.silenceTimer);
    if (room.frozen && !this.moderator()) return this.composer.setNotice('This room is frozen: only its owner and admins can send messages.', true);
    if (silenced(me)) {
      const left = Date.parse(me!.silencedUntil!) - Date.now();
      if (left < 2 ** 31 - 1) this.silenceTimer = window.setTimeout(() => this.renderComposerState(), left + 50);
      return this.composer.setNotice(`You are read-only in this room until ${untilText(me!.silencedUntil!)}.`, true);
    }
    const slow = room.slowModeSeconds ?? 0;
    if (slow > 0 && !this.moderator()) return this.composer.setNotice(`Slow mode: you can send one message every ${slow >= 60 && slow % 60 === 0 ? `${slow / 60} minute${slow === 60 ? '' : 's'}` : `${slow} seconds`}.`);
    this.composer.setNotice(null);
  }

  /** The members the viewer can `@`-mention (everybody but the viewer), by name. */
  private mentionCandidates(): MentionCandidate[] {
    return [...this.members.values()]
      .filter((member) => member.userId !== this.host.meId)
      .map((member) => ({ userId: member.userId, name: member.name ?? member.userId }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private nameOf = (userId: string): string => {
    if (userId === this.host.meId) return this.members.get(userId)?.name ?? 'You';
    return this.members.get(userId)?.name ?? this.names.get(userId) ?? `user ${userId.slice(0, 8)}`;
  };

  private context(threads: boolean): MessageContext {
    return {
      meId: this.host.meId,
      images: this.host.images,
      threads,
      nameOf: this.nameOf,
      isGuest: (userId) => this.members.get(userId)?.guest === true,
      mentionCandidates: () => this.mentionCandidates(),
      canDelete: (message) => message.senderId === this.host.meId || ['owner', 'admin'].includes(this.host.room()?.me?.role ?? ''),
      canPin: () => this.canPin(),
      pin: (message, on) => void this.pin(message, on),
      canReport: (message) => !this.host.guest && message.senderId !== null && message.senderId !== this.host.meId && this.host.room()?.type === 'group',
      report: (message) => reportDialog(this.host.api, message, this.nameOf(message.senderId!), () => toast('Thank you: the owner and admins of the room will look at it.')),
      seenLine: (message) => (threads ? this.seenLine(message) : null),
      react: (message, emoji, on) => void this.react(message, emoji, on),
      edit: (message, body) => this.edit(message, body),
      remove: (message) => void this.remove(message),
      openThread: (message) => void this.openThread(message.id),
      retry: (message) => this.host.delivery.retry(message.clientId!),
      discard: (message) => this.host.delivery.discard(message.clientId!),
    };
  }

  /** "Seen by ann, bob" under the viewer's newest delivered message, from the members' read pointers. */
  private seenLine(message: LocalMessage): string | null {
    if (message.id !== this.newestMineId) return null;
    const names = [...this.members.values()].filter((m) => m.userId !== this.host.meId && m.lastReadSeq >= message.seq).map((m) => m.name ?? m.userId);
    if (names.length === 0) return null;
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    return `Seen by ${shown}`;
  }

  private renderTyping(): void {
    const names = [...this.typing.keys()].map(this.nameOf);
    this.typingLine.textContent =
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
  }

  private clearTyping(userId: string): void {
    if (!this.typing.has(userId)) return;
    window.clearTimeout(this.typing.get(userId));
    this.typing.delete(userId);
    this.renderTyping();
  }

  private renderHeader(): void {
    const room = this.host.room();
    if (!room) return;
    const peer = room.type === 'direct' ? [...this.members.values()].find((m) => m.userId !== this.host.meId) : undefined;
    const online = [...this.members.values()].filter((m) => m.online).length;
    const subtitle =
      room.type === 'direct'
        ? peer
          ? peer.online
            ? 'Online'
            : 'Offline'
          : 'Direct chat'
        : `${room.memberCount} member${room.memberCount === 1 ? '' : 's'}${this.members.size ? `, ${online} online` : ''}${room.isPublic ? ' · public' : ''}${room.allowGuests ? ' · guests welcome' : ''}${room.frozen ? ' · frozen' : ''}${(room.slowModeSeconds ?? 0) > 0 ? ' · slow mode' : ''}`;
    this.notificationMenu.update(room);
    // Notification settings are for accounts (guests get 403 GUEST_NOT_ALLOWED).
    if (this.host.guest) this.notificationMenu.element.hidden = true;
    const moderator = this.moderator();
    // A timed mute ends on its own: the header is drawn again then.
    window.clearTimeout(this.muteTimer);
    const until = room.me?.notifications?.mutedUntil ? Date.parse(room.me.notifications.mutedUntil) - Date.now() : NaN;
    if (until > 0 && until < 2 ** 31 - 1) this.muteTimer = window.setTimeout(() => this.renderHeader(), until + 50);
    const avatar = h('span', { class: 'avatar avatar-large', 'aria-hidden': 'true' }, initials(room.title));
    avatar.style.setProperty('--hue', String(hue(room.title)));
    if (peer) avatar.append(h('span', { class: `presence-dot ${peer.online ? 'online' : 'offline'}` }));
    const active = document.activeElement instanceof HTMLElement && this.header.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    replace(
      this.header,
      h('button', { type: 'button', class: 'icon-button back-button', 'aria-label': 'Back to rooms', 'data-focus': 'back', onclick: () => this.host.back() }, icon('back', 20)),
      avatar,
      h(
        'div',
        { class: 'room-heading' },
        h('h2', { id: 'room-title', tabindex: -1 }, room.title),
        // The description under the title, one line (the whole text on hover and in the room settings).
        room.type === 'group' && room.description ? h('p', { class: 'room-description', title: room.description }, room.description) : null,
        h('p', { class: 'room-subtitle' }, subtitle),
      ),
      h(
        'div',
        { class: 'room-tools' },
        this.notificationMenu.element,
        this.panelTool('search', 'search', 'Search', 'Search messages'),
        this.panelTool('pins', 'pin', 'Pins', 'Pinned messages'),
        h(
          'button',
          {
            type: 'button',
            class: 'tool',
            'aria-expanded': String(this.panel?.kind === 'members'),
            'data-focus': 'members',
            onclick: () => (this.panel?.kind === 'members' ? this.closePanel() : this.openPanel({ kind: 'members' })),
          },
          icon('users', 16),
          h('span', { class: 'tool-label' }, 'Members'),
        ),
        moderator
          ? h(
              'button',
              {
                type: 'button',
                class: 'tool',
                'aria-expanded': String(this.panel?.kind === 'reports'),
                'data-focus': 'reports',
                onclick: () => (this.panel?.kind === 'reports' ? this.closePanel() : this.openPanel({ kind: 'reports' })),
              },
              icon('flag', 16),
              h('span', { class: 'tool-label' }, 'Reports'),
            )
          : null,
        moderator
          ? h(
              'button',
              {
                type: 'button',
                class: 'tool',
                'data-focus': 'settings',
                onclick: () => roomSettingsDialog(this.host.api, room, room.me?.role === 'owner', (updated) => this.host.roomChanged({ ...updated, me: this.host.room()?.me ?? updated.me })),
              },
              icon('settings', 16),
              h('span', { class: 'tool-label' }, 'Settings'),
            )
          : null,
        room.type === 'group' && room.me?.role !== 'owner'
          ? h('button', { type: 'button', class: 'tool', title: 'Leave room', 'data-focus': 'leave', onclick: () => void this.leave() }, icon('leave', 16), h('span', { class: 'tool-label' }, 'Leave room'))
          : null,
      ),
    );
    if (active) this.header.querySelector<HTMLElement>(`[data-focus="${active}"]`)?.focus();
  }

  /** A header button that opens (or closes) one of the side panels; its label is hidden at phone width, not its name. */
  private panelTool(kind: 'search' | 'pins', iconName: 'search' | 'pin', label: string, title: string): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'tool',
        title,
        'aria-expanded': String(this.panel?.kind === kind),
        'data-focus': kind,
        onclick: () => (this.panel?.kind === kind ? this.closePanel() : this.openPanel({ kind })),
      },
      icon(iconName, 16),
      h('span', { class: 'tool-label' }, label),
    );
  }

  private openPanel(panel: Panel): void {
    this.panel = panel;
    this.reportsPanel = null;
    this.membersPanel = null;
    this.pinsPanel = null;
    if (panel.kind !== 'thread') {
      this.thread?.composer.destroy();
      this.thread = null;
    }
    this.renderHeader();
    this.renderPanel();
    this.sidePanel.querySelector<HTMLElement>('.panel-close')?.focus();
    if (panel.kind === 'members' && this.moderator()) void this.renderMembers().loadBans();
    if (panel.kind === 'reports') void this.renderReports().load();
    if (panel.kind === 'pins') void this.renderPins().load();
    if (panel.kind === 'search') this.renderSearch().focus();
  }

  private closePanel(): void {
    const kind = this.panel?.kind;
    this.panel = null;
    this.reportsPanel = null;
    this.membersPanel = null;
    this.pinsPanel = null;
    this.thread?.composer.destroy();
    this.thread = null;
    this.renderHeader();
    this.renderPanel();
    if (kind && kind !== 'thread') this.header.querySelector<HTMLElement>(`[data-focus="${kind}"]`)?.focus();
    else this.composer.focus();
  }

  private panelFrame(title: string, ...content: HTMLElement[]): void {
    replace(
      this.sidePanel,
      h(
        'div',
        { class: 'panel-header' },
        h('h3', { id: 'panel-title' }, title),
        h('button', { type: 'button', class: 'icon-button panel-close', 'aria-label': `Close ${title.toLowerCase()}`, onclick: () => this.closePanel() }, icon('close')),
      ),
      ...content,
    );
    this.sidePanel.setAttribute('aria-labelledby', 'panel-title');
  }

  private renderPanel(): void {
    this.sidePanel.hidden = this.panel === null;
    this.element.classList.toggle('with-panel', this.panel !== null);
    if (this.panel?.kind === 'members') this.renderMembers();
    else if (this.panel?.kind === 'reports') this.renderReports();
    else if (this.panel?.kind === 'pins') this.renderPins();
    else if (this.panel?.kind === 'search') this.renderSearch();
    else if (this.panel?.kind === 'thread') this.renderThread();
  }

  /** Draws the pins panel (made when it opens). */
  private renderPins(): PinsPanel {
    this.pinsPanel ??= new PinsPanel({
      api: this.host.api,
      roomId: this.roomId,
      nameOf: this.nameOf,
      canUnpin: () => this.canPin(),
      open: (message) => void this.jumpTo(message),
    });
    if (!this.sidePanel.contains(this.pinsPanel.element)) this.panelFrame('Pinned messages', this.pinsPanel.element);
    return this.pinsPanel;
  }

  /** Draws the search panel (made once per open room, so a search survives closing the panel). */
  private renderSearch(): SearchPanel {
    this.searchPanel ??= new SearchPanel({ api: this.host.api, roomId: this.roomId, nameOf: this.nameOf, open: (message) => void this.jumpTo(message) });
    if (!this.sidePanel.contains(this.searchPanel.element)) this.panelFrame('Search', this.searchPanel.element);
    return this.searchPanel;
  }

  /**
   * Shows a message in the history, marked for a moment: a reply in its thread; a message older than the pages
   * loaded after loading the pages up to it. At phone width the panel that asked (it covers the room) closes first.
   */
  private async jumpTo(target: Message): Promise<void> {
    if (window.matchMedia('(max-width: 760px)').matches && this.panel?.kind !== 'thread') this.closePanel();
    if (target.parentId) {
      await this.openThread(target.parentId);
      if (!this.thread?.list.highlight(target.id)) toast('That reply is no longer in the thread.', 'error');
      return;
    }
    const shown = () => [...this.messages.values()].some((message) => message.id === target.id);
    for (let pages = 0; !shown() && this.olderCursor && pages < MAX_JUMP_PAGES && !this.closed; pages++) {
      try {
        const page = await this.host.api.messages(this.roomId, { cursor: this.olderCursor, limit: 100 });
        for (const message of page.items) upsert(this.messages, message);
        this.olderCursor = page.nextCursor;
      } catch (error) {
        toast(`Could not load earlier messages: ${errorText(error)}`, 'error');
        break;
      }
    }
    this.refresh();
    if (!this.list.highlight(target.id)) toast(shown() ? 'That message is hidden (you blocked its sender).' : 'That message is too far back to show here.', 'error');
  }

  /** The owner and admins pin and unpin (the server's `message.moderate` rule, in direct rooms too). */
  private canPin(): boolean {
    const role = this.host.room()?.me?.role;
    return role === 'owner' || role === 'admin';
  }

  private async pin(message: LocalMessage, on: boolean): Promise<void> {
    try {
      this.onMessage(await this.host.api.pin(this.roomId, message.id, on));
      toast(on ? 'Message pinned.' : 'Message unpinned.');
    } catch (error) {
      toast(`Could not ${on ? 'pin' : 'unpin'}: ${errorText(error)}`, 'error');
    }
  }

  /** Draws the members panel (made when it opens). */
  private renderMembers(): MembersPanel {
    this.membersPanel ??= new MembersPanel({
      api: this.host.api,
      roomId: this.roomId,
      meId: this.host.meId,
      guest: this.host.guest,
      blocks: this.host.blocks,
      room: () => this.host.room(),
      members: () => this.members.values(),
      nameOf: this.nameOf,
      moderator: () => this.moderator(),
      added: (member) => this.onMember(member),
    });
    this.membersPanel.render();
    if (!this.sidePanel.contains(this.membersPanel.element)) this.panelFrame('Members', this.membersPanel.element);
    return this.membersPanel;
  }

  /** Draws the reports panel (made when it opens), and answers it. */
  private renderReports(): ReportsPanel {
    this.reportsPanel ??= new ReportsPanel(this.host.api, this.roomId, {
      message: (id) => [...this.messages.values()].find((m) => m.id === id),
      nameOf: this.nameOf,
    });
    if (!this.sidePanel.contains(this.reportsPanel.element)) this.panelFrame('Reports', this.reportsPanel.element);
    return this.reportsPanel;
  }

  // ---- threads ---------------------------------------------------------------------------------------------

  private async openThread(parentId: string): Promise<void> {
    if (this.thread?.parentId === parentId) return this.thread.composer.focus();
    this.thread?.composer.destroy();
    const list = new MessageList(this.context(false), 'Replies');
    const composer = new Composer({
      api: this.host.api,
      label: 'Reply in thread',
      placeholder: 'Reply…',
      onSend: (body, images, previews, mentions) => this.send(body, images, previews, mentions, parentId),
      mentionCandidates: () => this.mentionCandidates(),
      onTyping: (isTyping) => this.host.realtime.typing(this.roomId, isTyping),
      draftKey: draftKey(this.host.meId, this.roomId, parentId),
    });
    const replies = new Map<string, LocalMessage>();
    for (const reply of this.host.delivery.messagesOf(this.roomId)) if (reply.parentId === parentId) replies.set(messageKey(reply), reply);
    this.thread = { parentId, replies, cursor: null, list, composer, loading: true };
    this.openPanel({ kind: 'thread', parentId });
    composer.focus();
    await this.loadReplies();
  }

  /** Thread replies come oldest first; later pages are newer. */
  private async loadReplies(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    thread.loading = true;
    try {
      const page = await this.host.api.messages(this.roomId, { parentId: thread.parentId, cursor: thread.cursor, limit: 50 });
      for (const reply of page.items) upsert(thread.replies, reply);
      thread.cursor = page.nextCursor;
    } catch (error) {
      toast(`Could not load the thread: ${errorText(error)}`, 'error');
    } finally {
      thread.loading = false;
      if (this.thread === thread) this.renderThread();
    }
  }

  private renderThread(): void {
    const thread = this.thread;
    if (!thread || this.panel?.kind !== 'thread') return;
    const parent = [...this.messages.values()].find((m) => m.id === thread.parentId);
    thread.list.render([...(parent ? [parent] : []), ...[...thread.replies.values()].filter((m) => !this.host.blocks.has(m.senderId)).sort(bySeq)]);
    if (!this.sidePanel.contains(thread.list.element)) {
      const scroller = h('div', { class: 'thread-messages' }, thread.list.element);
      this.panelFrame('Thread', scroller, thread.composer.element);
    }
    let more = this.sidePanel.querySelector<HTMLButtonElement>('.thread-more');
    if (thread.cursor && !more) {
      more = h('button', { type: 'button', class: 'link-button thread-more', onclick: () => void this.loadReplies() }, 'Load more replies');
      thread.list.element.after(more);
    } else if (!thread.cursor) more?.remove();
    if (more) more.disabled = thread.loading;
  }

  // ---- actions ---------------------------------------------------------------------------------------------

  /** Shows the message at once ("Sending…") and hands it to the outbox, which sends it and tells how it went. */
  private send(body: string, images: Image[], previews: string[], mentions: string[], parentId?: string): void {
    const entry: OutboxEntry = {
      clientId: uuid(),
      userId: this.host.meId,
      roomId: this.roomId,
      body,
      ...(parentId && { parentId }),
      ...(mentions.length > 0 && { mentions }),
      ...(images.length > 0 && { imageIds: images.map((image) => image.id) }),
      createdAt: new Date().toISOString(),
    };
    const message = localMessage(entry, 'sending', previews);
    const map = parentId ? this.thread?.replies : this.messages;
    map?.set(messageKey(message), message);
    this.refreshFor(message);
    if (!parentId) this.scrollToBottom();
    this.host.delivery.send(entry);
  }

  /** How a message of the outbox fares: its state under it, then the server's copy in its place (or gone, discarded). */
  private onDelivery(update: DeliveryUpdate): void {
    const { entry } = update;
    if (entry.roomId !== this.roomId) return;
    const map = !entry.parentId ? this.messages : this.thread?.parentId === entry.parentId ? this.thread.replies : null;
    if (!map) return;
    const key = messageKey(localMessage(entry, 'sending', []));
    const current = map.get(key);
    if (update.state === 'sent') {
      if (current?.local) map.set(key, update.message);
      else upsert(map, update.message);
    } else if (update.state === 'discarded') {
      if (current?.local) map.delete(key);
    } else {
      // The server's copy may have come first (through the socket): it stays.
      if (current && !current.local) return;
      map.set(key, localMessage(entry, update.state, current?.local?.previews ?? [], update.state === 'failed' ? update.error : undefined));
    }
    this.refreshFor(current ?? localMessage(entry, 'sending', []));
  }

  private refreshFor(message: LocalMessage): void {
    if (message.parentId) this.renderThread();
    else this.refresh();
  }

  private async react(message: LocalMessage, emoji: string, on: boolean): Promise<void> {
    try {
      const updated = await this.host.api.react(this.roomId, message.id, emoji, on);
      this.onMessage(updated);
    } catch (error) {
      toast(`Reaction failed: ${errorText(error)}`, 'error');
    }
  }

  private async edit(message: LocalMessage, body: string): Promise<void> {
    try {
      // An edit may change whom the message mentions: the `@name`s of the new text (unchanged if the members
      // could not be loaded).
      const mentions = this.members.size > 0 ? mentionedIds(body, this.mentionCandidates()) : undefined;
      this.onMessage(await this.host.api.edit(this.roomId, message.id, body, mentions));
    } catch (error) {
      toast(`Could not edit: ${errorText(error)}`, 'error');
      throw error;
    }
  }

  private async remove(message: LocalMessage): Promise<void> {
    if (!(await confirmDialog('Delete this message for everybody?', 'Delete'))) return;
    try {
      await this.host.api.remove(this.roomId, message.id);
      if (this.thread?.parentId === message.id) this.closePanel();
    } catch (error) {
      toast(`Could not delete: ${errorText(error)}`, 'error');
    }
  }

  private async leave(): Promise<void> {
    const room = this.host.room();
    if (!room || !(await confirmDialog(`Leave ${room.title}?`, 'Leave'))) return;
    try {
      await this.host.api.leave(this.roomId);
      this.host.left(this.roomId);
    } catch (error) {
      toast(error instanceof ApiError && error.status === 409 ? 'The owner cannot leave: hand ownership over first' : errorText(error), 'error');
    }
  }

  // ---- scrolling -------------------------------------------------------------------------------------------

  private isNearBottom(): boolean {
    return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 120;
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
