import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { PresenceStore } from './presence-store';

/** The commands the store needs: any node-redis v4+ client (`createClient()`) fits. */
export interface PresenceRedisClient {
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<unknown>;
  hLen(key: string): Promise<number>;
  sAdd(key: string, member: string): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  del(key: string): Promise<unknown>;
  exists(key: string): Promise<number>;
  zAdd(key: string, member: { score: number; value: string }): Promise<unknown>;
  zRem(key: string, member: string): Promise<unknown>;
  zRangeByScore(key: string, min: number | string, max: number | string): Promise<string[]>;
  /** Optional: a dead node's last heartbeat, for the sweep's log line. */
  zScore?(key: string, member: string): Promise<number | null>;
  set(key: string, value: string, options?: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** node-redis: whether the connection is up; named in the log when a command fails. */
  readonly isReady?: boolean;
}

export interface RedisPresenceOptions {
  /** How often this node proves it is alive (and repairs its entries). Default 5 s. */
  heartbeatMs?: number;
  /** A node silent for this long is dead and its connections are dropped. Default 15 s. */
  expiryMs?: number;
  /** Prefix of every key. Default `parley:presence`. */
  keyPrefix?: string;
  /**
   * Longest a Redis command may take before the store gives up on it and answers from this node's own connections.
   * Default 1000 ms.
   */
  commandTimeoutMs?: number;
}

/**
 * Removes one node's connections of a user (a dead node's sweep); returns how many were removed and how many are
 * left.
 */
const DROP_NODE_CONNECTIONS = `
local removed = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, #ARGV[1]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], field)
    removed = removed + 1
  end
end
return {removed, redis.call('HLEN', KEYS[1])}`;

/**
 * Makes this node's fields of one user exactly the given ones (ARGV[3..]): removes the others of this node
 * (prefix ARGV[1]), adds the missing ones, and keeps the node's set of users (KEYS[2]) in step for user ARGV[2].
 * Returns the user's connection count on every node before and after.
 */
const RECONCILE_USER = `
local before = redis.call('HLEN', KEYS[1])
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, #ARGV[1]) == ARGV[1] and not keep[field] then redis.call('HDEL', KEYS[1], field) end
end
for i = 3, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], '1') end
if #ARGV > 2 then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end
return {before, redis.call('HLEN', KEYS[1])}`;

/** How many users one reconciliation sends to Redis at once. */
const RECONCILE_CHUNK = 200;

/**
 * Presence shared by many nodes through Redis. Each user has a hash of `node|connection` fields; each node keeps
 * the set of users it holds connections for, a heartbeat in a sorted set and a registration marker.
 *
 * Every heartbeat also sweeps: a node whose heartbeat is older than `expiryMs` died (SIGKILL, crash, network loss),
 * so its fields are removed and the users left with none are reported offline. One live node sweeps each dead node
 * (a short Redis lock), so a dead node's users go offline within `expiryMs + heartbeatMs`.
 *
 * Redis is never trusted to hold the truth: this node's connections are kept in memory too, and the heartbeat
 * writes them again whenever Redis may have lost or missed some, so presence converges within one heartbeat:
 * - Redis lost its data (restarted without persistence, flushed) or this node was swept while cut off: the marker
 *   is missing (connections never write it, so a user connecting first cannot hide the loss);
 * - writes failed or were skipped while Redis was away.
 * While Redis is away no command waits on it: the store answers from this node's connections (who is online here,
 * connection counts here), logs once when the outage starts and once when it ends, and after it lets
 * `expiryMs` pass before sweeping (every node's heartbeat is stale then, and the live ones need a beat to renew).
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly logger = new Logger('RedisPresenceStore');
  private readonly nodeId = randomUUID();
  private readonly heartbeatMs: number;
  private readonly expiryMs: number;
  private readonly commandTimeoutMs: number;
  private readonly prefix: string;
  private timer?: NodeJS.Timeout;
  private beating = false;
  private stopped = false;
  /** This node's own connections: the truth, which Redis is brought back to. */
  private readonly local = new Map<string, Set<string>>();
  /** Some of this node's writes failed or were skipped: the next heartbeat writes everything again. */
  private dirty = false;
  /** This node has registered its connections at least once (its marker was written). */
  private registered = false;
  /** Since when Redis has been failing (null: it answers). */
  private failingSince: number | null = null;
  private failuresDuringOutage = 0;
  /** Since when heartbeats have succeeded without interruption; sweeping waits `expiryMs` after it. */
  private healthySince: number | null = null;
  private onExpired: (userIds: string[]) => void = () => undefined;
  private onOnline: (userIds: string[]) => void = () => undefined;

  constructor(
    private readonly redis: PresenceRedisClient,
    options: RedisPresenceOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.expiryMs = options.expiryMs ?? 15_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.prefix = options.keyPrefix ?? 'parley:presence';
    if (this.expiryMs <= this.heartbeatMs) throw new Error('RedisPresenceStore: expiryMs must be longer than heartbeatMs');
  }

  async connect(userId: string, connectionId: string): Promise<boolean> {
    const connections = this.local.get(userId) ?? new Set<string>();
    this.local.set(userId, connections);
    connections.add(connectionId);
    const firstHere = connections.size === 1;
    if (this.failingSince !== null) return this.skipped(firstHere);
    try {
      const [, , count] = await this.command('connect (HSET, SADD, HLEN)', () =>
        Promise.all([this.redis.hSet(this.userKey(userId), this.field(connectionId), '1'), this.redis.sAdd(this.nodeUsersKey(this.nodeId), userId), this.redis.hLen(this.userKey(userId))]),
      );
      return count === 1;
    } catch {
      return this.skipped(firstHere);
    }
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    const connections = this.local.get(userId);
    connections?.delete(connectionId);
    if (connections?.size === 0) this.local.delete(userId);
    // Whether the user is still connected to another node cannot be told without Redis: the heartbeat that follows
    // the outage reports the users who went offline meanwhile.
    if (this.failingSince !== null) return this.skipped(false);
    try {
      const [removed, count] = await this.command('disconnect (HDEL, HLEN)', () => Promise.all([this.redis.hDel(this.userKey(userId), this.field(connectionId)), this.redis.hLen(this.userKey(userId))]));
      return Number(removed) > 0 && count === 0;
    } catch {
      return this.skipped(false);
    }
  }

  async onlineUsers(userIds: string[]): Promise<Set<string>> {
    if (this.failingSince === null) {
      try {
        const counts = await this.command('online users (HLEN)', () => Promise.all(userIds.map((userId) => this.redis.hLen(this.userKey(userId)))));
        return new Set(userIds.filter((_, index) => counts[index] > 0));
      } catch {
        // answered from this node below
      }
    }
    return new Set(userIds.filter((userId) => this.local.has(userId)));
  }

  async connectionCount(userId: string): Promise<number> {
    if (this.failingSince === null) {
      try {
        return await this.command('connection count (HLEN)', () => this.redis.hLen(this.userKey(userId)));
      } catch {
        // answered from this node below
      }
    }
    return this.local.get(userId)?.size ?? 0;
  }

  /**
   * Starts the heartbeat. `onExpired`: users whose last connections vanished (a dead node swept, or connections
   * that closed while Redis was away); `onOnline`: users that Redis had lost and this node registered again.
   */
  start(onExpired: (userIds: string[]) => void, onOnline?: (userIds: string[]) => void): void {
    this.onExpired = onExpired;
    if (onOnline) this.onOnline = onOnline;
    this.logger.log(`Presence node ${this.nodeId}: heartbeat every ${this.heartbeatMs} ms, silent nodes swept after ${this.expiryMs} ms`);
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Leaves cleanly: this node's connections are dropped by the caller's disconnects, then the node itself. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.failingSince !== null) return;
    await this.command('stop (ZREM, DEL)', () =>
      Promise.all([this.redis.zRem(this.nodesKey(), this.nodeId), this.redis.del(this.nodeUsersKey(this.nodeId)), this.redis.del(this.markerKey(this.nodeId))]),
    ).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    try {
      await this.heartbeat();
    } catch {
      // reported by command()
    } finally {
      this.beating = false;
    }
  }

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const [, marker] = await this.command('heartbeat (ZADD, EXISTS)', () =>
      Promise.all([this.redis.zAdd(this.nodesKey(), { score: now, value: this.nodeId }), this.redis.exists(this.markerKey(this.nodeId))]),
    );
    const outage = this.failingSince;
    if (!marker || this.dirty) {
      const lost = this.registered && !marker;
      const { users, connections } = await this.reconcile();
      await this.command('register (SET)', () => this.redis.set(this.markerKey(this.nodeId), String(now)));
      this.registered = true;
      if (lost) {
        this.logger.warn(`Presence of ${users} user(s) (${connections} connection(s)) on this node registered again: it was missing in Redis (Redis restarted without persistence or was flushed, or this node was swept as dead while cut off)`);
      }
    }
    // Only now: a failure above still belongs to the outage that is ending (no second warning).
    this.failingSince = null;
    this.healthySince ??= now;
    if (outage !== null) {
      this.logger.log(`Presence shared through Redis again after ${((Date.now() - outage) / 1000).toFixed(1)} s (${this.failuresDuringOutage} failed commands meanwhile): this node's connections are written to it again`);
    }
    // After an outage every node's heartbeat is stale: sweep only once the live ones have had `expiryMs` to renew.
    if (now - this.healthySince >= this.expiryMs) await this.sweep(now);
  }

  /**
   * Brings Redis back to this node's connections: every user this node has, or had, connections for gets exactly
   * this node's current fields. Reports who came online (Redis had lost them) and who went offline (their
   * connections closed while Redis was away and no other node holds one).
   */
  private async reconcile(): Promise<{ users: number; connections: number }> {
    this.dirty = false;
    const known = await this.command('reconcile (SMEMBERS)', () => this.redis.sMembers(this.nodeUsersKey(this.nodeId)));
    const userIds = [...new Set([...known, ...this.local.keys()])];
    const online: string[] = [];
    const offline: string[] = [];
    let connections = 0;
    for (let start = 0; start < userIds.length; start += RECONCILE_CHUNK) {
      const chunk = userIds.slice(start, start + RECONCILE_CHUNK);
      const counts = await this.command('reconcile (EVAL)', () =>
        Promise.all(
          chunk.map((userId) => {
            // Read at the moment the script is queued: a connect or disconnect after it is applied after it.
            const fields = [...(this.local.get(userId) ?? [])].map((connectionId) => this.field(connectionId));
            connections += fields.length;
            return this.redis.eval(RECONCILE_USER, { keys: [this.userKey(userId), this.nodeUsersKey(this.nodeId)], arguments: [`${this.nodeId}|`, userId, ...fields] });
          }),
        ),
      );
      counts.forEach((reply, index) => {
        const [before, after] = (reply as Array<number | string>).map(Number);
        if (before === 0 && after > 0) online.push(chunk[index]);
        if (before > 0 && after === 0) offline.push(chunk[index]);
      });
    }
    if (online.length > 0) this.onOnline(online);
    if (offline.length > 0) this.onExpired(offline);
    return { users: [...this.local.keys()].length, connections };
  }

  /** Removes the connections of nodes silent for longer than `expiryMs`, one line per node swept. */
  private async sweep(now: number): Promise<void> {
    const dead = await this.command('sweep (ZRANGEBYSCORE)', () => this.redis.zRangeByScore(this.nodesKey(), '-inf', now - this.expiryMs));
    for (const nodeId of dead) {
      if (nodeId === this.nodeId) continue;
      const claimed = await this.command('sweep (SET NX)', () =>
        this.redis.set(`${this.prefix}:sweep:${nodeId}`, this.nodeId, { condition: 'NX', expiration: { type: 'PX', value: this.expiryMs } }),
      );
      if (!claimed) continue;
      const [users, lastSeen] = await this.command('sweep (SMEMBERS)', () => Promise.all([this.redis.sMembers(this.nodeUsersKey(nodeId)), this.lastHeartbeat(nodeId)]));
      const replies = await this.command('sweep (EVAL)', () =>
        Promise.all(users.map((userId) => this.redis.eval(DROP_NODE_CONNECTIONS, { keys: [this.userKey(userId)], arguments: [`${nodeId}|`] }))),
      );
      const expired: string[] = [];
      let removed = 0;
      replies.forEach((reply, index) => {
        const [count, left] = (reply as Array<number | string>).map(Number);
        removed += count;
        if (count > 0 && left === 0) expired.push(users[index]);
      });
      await this.command('sweep (DEL, ZREM)', () => Promise.all([this.redis.del(this.nodeUsersKey(nodeId)), this.redis.del(this.markerKey(nodeId)), this.redis.zRem(this.nodesKey(), nodeId)]));
      const silent = lastSeen === null ? 'silent' : `silent for ${((now - lastSeen) / 1000).toFixed(1)} s`;
      this.logger.warn(`Presence: swept dead node ${nodeId} (${silent}): ${removed} connection(s) of ${users.length} user(s) removed, ${expired.length} user(s) now offline`);
      if (expired.length > 0) this.onExpired(expired);
    }
  }

  /** When a node last sent its heartbeat (null when the client cannot tell). */
  private async lastHeartbeat(nodeId: string): Promise<number | null> {
    return this.redis.zScore ? this.redis.zScore(this.nodesKey(), nodeId) : null;
  }

  /**
   * Runs a group of Redis commands with a deadline. A failure (an error, or no answer within `commandTimeoutMs`)
   * starts an outage for this store: one warning naming the operation, the error and the connection's state, then
   * the store answers from this node until a heartbeat succeeds again.
   */
  private async command<T>(operation: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PresenceTimeoutError(`no answer within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
    });
    const running = work();
    running.catch(() => undefined);
    try {
      return await Promise.race([running, deadline]);
    } catch (error) {
      this.failed(operation, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(operation: string, error: unknown): void {
    this.dirty = true;
    this.healthySince = null;
    if (this.failingSince !== null) {
      this.failuresDuringOutage++;
      return;
    }
    this.failingSince = Date.now();
    this.failuresDuringOutage = 0;
    this.logger.warn(
      `Presence: Redis ${operation} failed (${describeError(error)}; connection ${this.connectionState()}): ` +
        "answering from this node's own connections until Redis answers again",
    );
  }

  /** A write not made in Redis: the next heartbeat makes it. */
  private skipped(answer: boolean): boolean {
    this.dirty = true;
    return answer;
  }

  private connectionState(): string {
    const ready = this.redis.isReady;
    return ready === undefined ? 'state unknown' : ready ? 'open' : 'not ready (reconnecting)';
  }

  private field(connectionId: string): string {
    return `${this.nodeId}|${connectionId}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }

  private nodeUsersKey(nodeId: string): string {
    return `${this.prefix}:node:${nodeId}:users`;
  }

  /** Written by the heartbeat once it has registered every connection of the node; never by a single connect. */
  private markerKey(nodeId: string): string {
    return `${this.prefix}:node:${nodeId}:registered`;
  }

  private nodesKey(): string {
    return `${this.prefix}:nodes`;
  }
}

class PresenceTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name && error.name !== 'Error' ? error.name : error.constructor.name;
  return error.message ? `${name}: ${error.message}` : name;
}
