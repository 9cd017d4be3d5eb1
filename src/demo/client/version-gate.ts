/**
 * The client's rule for room versions that arrive out of order (README, "Versions across nodes").
 *
 * Events are published after commit by the node that made the change, so two nodes' events for one room can cross
 * on their way to a client: v+2 may come before v+1, a few milliseconds apart. A jump is therefore not yet a loss.
 * The gate applies each room's events in version order: an event that leaves a gap (v+2 while the room is complete
 * up to v) is held back, the events that fill the gap release it, in order, and only a gap still open after the
 * grace period (measured from the oldest event held) costs a `changes?since=` call. The grace period is twice the
 * longest gap the client saw filled lately (the late events of gaps it synced over included), at least 1 s and at
 * most 5 s: a cluster whose nodes fall behind each other (an overloaded machine) stretches it, a healthy one keeps
 * it at 1 s. Events at or below the version the room is complete up to are applied at once, as before (they change
 * nothing new).
 *
 * No DOM and no timers of its own beyond setTimeout, so Node runs it too (test/version-gate.spec.ts).
 */
export interface VersionGateOptions {
  /** The version a room is complete up to, or undefined for a room the client does not hold (applied at once). */
  version(roomId: string): number | undefined;
  /** Catches a room up through `changes?since=`; afterwards `version(roomId)` is the server's version. */
  sync(roomId: string): Promise<void>;
  /** Shortest grace period: how long a gap may stay open before the room is synced, in ms. Default `DEFAULT_GAP_GRACE_MS`. */
  graceMs?: number;
  /** Longest grace period, however late the events the client saw. Default `MAX_GAP_GRACE_MS`. */
  maxGraceMs?: number;
  now?: () => number;
}

/**
 * Shortest grace period: bench/versions.ts saw the gaps of a two-node cluster filled within 12-80 ms (median) and
 * 0.6 s at most while its machine kept up (seconds when it was overloaded, hence the adaptive part), and a real
 * loss (Redis away) costs only this much extra delay.
 */
export const DEFAULT_GAP_GRACE_MS = 1000;
/** The grace period never grows past this: a real loss is synced within it. */
export const MAX_GAP_GRACE_MS = 5000;
/** How many recent gap fills the grace period is taken from. */
const FILLS_KEPT = 32;

interface Held {
  version: number;
  apply: () => void;
  /** When it arrived: no event is held longer than the grace period. */
  at: number;
}

interface RoomGate {
  held: Held[];
  timer: ReturnType<typeof setTimeout> | undefined;
  syncing: boolean;
  /** After a sync that left a gap (it failed): the next one waits a grace period from then, not from the event. */
  notBefore: number;
}

export class VersionGate {
  private readonly rooms = new Map<string, RoomGate>();
  private readonly minGraceMs: number;
  private readonly maxGraceMs: number;
  private readonly now: () => number;
  /** How long recent gaps stayed open until their missing event came, ms (the newest `FILLS_KEPT`). */
  private readonly fills: number[] = [];
  /** Per room, the versions its last sync went past without having them, and when that gap opened. */
  private readonly skipped = new Map<string, { versions: Set<number>; openedAt: number }>();
  /** Counters for the curious (and the tests): events held back, gaps filled in time, syncs made for a gap. */
  readonly stats = { held: 0, filled: 0, syncs: 0 };

  constructor(private readonly options: VersionGateOptions) {
    this.minGraceMs = options.graceMs ?? DEFAULT_GAP_GRACE_MS;
    this.maxGraceMs = Math.max(this.minGraceMs, options.maxGraceMs ?? MAX_GAP_GRACE_MS);
    this.now = options.now ?? (() => Date.now());
  }

  /** The grace period now: twice the longest recent gap, within [graceMs, maxGraceMs]. */
  get graceMs(): number {
    const longest = this.fills.length > 0 ? Math.max(...this.fills) : 0;
    return Math.min(this.maxGraceMs, Math.max(this.minGraceMs, 2 * longest));
  }

  /** A room event of `version`: `apply` runs now, later (in version order, once the gap is filled), or never (synced over). */
  offer(roomId: string, version: number, apply: () => void): void {
    const have = this.options.version(roomId);
    const gate = this.rooms.get(roomId);
    if (have !== undefined && version <= have) this.lateAfterSync(roomId, version);
    if (have === undefined || (version <= have + 1 && !gate?.syncing)) {
      // The missing event of a gap: how long the gap was open tells how late events can be.
      if (have !== undefined && gate && gate.held.length > 0 && version === have + 1) this.filled(this.now() - Math.min(...gate.held.map((held) => held.at)));
      apply();
      if (gate) this.release(roomId);
      return;
    }
    const room = gate ?? { held: [], timer: undefined, syncing: false, notBefore: 0 };
    this.rooms.set(roomId, room);
    room.held.push({ version, apply, at: this.now() });
    room.held.sort((a, b) => a.version - b.version);
    this.stats.held += 1;
    this.arm(roomId, room);
  }

  /** After anything moved a room's version on its own (a reconnection's reload): apply or drop what it held. */
  settle(roomId?: string): void {
    for (const id of roomId === undefined ? [...this.rooms.keys()] : [roomId]) this.release(id);
  }

  /** The room is gone: forget what it held. */
  forget(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (room?.timer !== undefined) clearTimeout(room.timer);
    this.rooms.delete(roomId);
  }

  private filled(ms: number): void {
    this.fills.push(ms);
    if (this.fills.length > FILLS_KEPT) this.fills.shift();
  }

  /** An event a sync went past arrived after all: it was late, not lost, by this much. */
  private lateAfterSync(roomId: string, version: number): void {
    const skipped = this.skipped.get(roomId);
    if (!skipped?.versions.delete(version)) return;
    this.filled(this.now() - skipped.openedAt);
    if (skipped.versions.size === 0) this.skipped.delete(roomId);
  }

  /** Applies the held events the room's version now reaches, in order; drops those a sync already covered. */
  private release(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room || room.syncing) return;
    for (;;) {
      const have = this.options.version(roomId);
      if (have === undefined) return this.forget(roomId);
      const next = room.held[0];
      if (!next || next.version > have + 1) break;
      room.held.shift();
      // At or below `have`: a sync brought it already (applying an older state again could undo a newer one).
      if (next.version === have + 1) {
        this.stats.filled += 1;
        next.apply();
      }
    }
    if (room.held.length === 0) return this.forget(roomId);
    this.arm(roomId, room);
  }

  /** (Re)starts the room's timer for the oldest event it holds. */
  private arm(roomId: string, room: RoomGate): void {
    if (room.syncing) return;
    if (room.timer !== undefined) clearTimeout(room.timer);
    const oldest = Math.min(...room.held.map((held) => held.at));
    const due = Math.max(oldest + this.graceMs, room.notBefore);
    room.timer = setTimeout(() => void this.expire(roomId), Math.max(0, due - this.now()));
  }

  /** The grace period is over and a gap is still open: sync the room, then apply what is left in order. */
  private async expire(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.timer = undefined;
    const have = this.options.version(roomId);
    if (have !== undefined && room.held[0] && room.held[0].version <= have + 1) return this.release(roomId);
    if (have !== undefined) {
      // Remember what the sync goes past, to learn how late those events come (if they come): at most 64 of them.
      const held = new Set(room.held.map((event) => event.version));
      const versions = new Set<number>();
      for (let v = have + 1; v < room.held[room.held.length - 1].version && versions.size < 64; v++) if (!held.has(v)) versions.add(v);
      this.skipped.set(roomId, { versions, openedAt: Math.min(...room.held.map((event) => event.at)) });
    }
    room.syncing = true;
    this.stats.syncs += 1;
    try {
      await this.options.sync(roomId);
    } catch {
      // The sync reports its own failures; what is held is applied or dropped below all the same.
    } finally {
      room.syncing = false;
      room.notBefore = this.now() + this.graceMs;
    }
    if (this.rooms.get(roomId) !== room) return;
    // Events that came during the sync were held: the ones it covered are dropped, the rest applied in order. A
    // gap that remains (the sync failed, or an event past its version is missing its predecessor) waits again.
    this.release(roomId);
  }
}
