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
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisPresenceOptions {
  /** How often this node proves it is alive. Default 5 s. */
  heartbeatMs?: number;
  /** A node silent for this long is dead and its connections are dropped. Default 15 s. */
  expiryMs?: number;
  /** Prefix of every key. Default `parley:presence`. */
  keyPrefix?: string;
}

/** Removes one node's connections of a user; returns 1 when the user has none left anywhere. */
const DROP_NODE_CONNECTIONS = `
local fields = redis.call('HKEYS', KEYS[1])
local removed = 0
for _, field in ipairs(fields) do
  if string.sub(field, 1, #ARGV[1]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], field)
    removed = removed + 1
  end
end
if removed > 0 and redis.call('HLEN', KEYS[1]) == 0 then return 1 end
return 0`;

/**
 * Presence shared by many nodes through Redis. Each user has a hash of `node|connection` fields; each node
 * keeps the set of users it holds connections for and a heartbeat in a sorted set. Every heartbeat also sweeps:
 * a node whose heartbeat is older than `expiryMs` died (SIGKILL, crash, network loss), so its fields are removed
 * and the users left with none are reported offline. One live node sweeps each dead node (a short Redis lock),
 * so a dead node's users go offline within `expiryMs + heartbeatMs`.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly logger = new Logger('RedisPresenceStore');
  private readonly nodeId = randomUUID();
  private readonly heartbeatMs: number;
  private readonly expiryMs: number;
  private readonly prefix: string;
  private timer?: NodeJS.Timeout;
  /** This node's own connections, to register them again if Redis lost its data (a restart without persistence). */
  private readonly local = new Map<string, Set<string>>();

  constructor(
    private readonly redis: PresenceRedisClient,
    options: RedisPresenceOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.expiryMs = options.expiryMs ?? 15_000;
    this.prefix = options.keyPrefix ?? 'parley:presence';
    if (this.expiryMs <= this.heartbeatMs) throw new Error('RedisPresenceStore: expiryMs must be longer than heartbeatMs');
  }

  async connect(userId: string, connectionId: string): Promise<boolean> {
    const connections = this.local.get(userId) ?? new Set<string>();
    this.local.set(userId, connections);
    connections.add(connectionId);
    await this.redis.hSet(this.userKey(userId), this.field(connectionId), '1');
    await this.redis.sAdd(this.nodeUsersKey(this.nodeId), userId);
    // The node is alive: make sure it can be found (and swept) even if its heartbeat entry was lost.
    await this.redis.zAdd(this.nodesKey(), { score: Date.now(), value: this.nodeId });
    return (await this.redis.hLen(this.userKey(userId))) === 1;
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    const connections = this.local.get(userId);
    connections?.delete(connectionId);
    if (connections?.size === 0) this.local.delete(userId);
    const removed = Number(await this.redis.hDel(this.userKey(userId), this.field(connectionId)));
    return removed > 0 && (await this.redis.hLen(this.userKey(userId))) === 0;
  }

  async onlineUsers(userIds: string[]): Promise<Set<string>> {
    const counts = await Promise.all(userIds.map((userId) => this.redis.hLen(this.userKey(userId))));
    return new Set(userIds.filter((_, index) => counts[index] > 0));
  }

  async connectionCount(userId: string): Promise<number> {
    return this.redis.hLen(this.userKey(userId));
  }

  start(onExpired: (userIds: string[]) => void): void {
    const beat = () =>
      this.heartbeat(onExpired).catch((error: unknown) => this.logger.warn(`Presence heartbeat failed: ${String(error)}`));
    void beat();
    this.timer = setInterval(beat, this.heartbeatMs);
    this.timer.unref();
  }

  /** Leaves cleanly: this node's connections are dropped by the caller's disconnects, then the node itself. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.zRem(this.nodesKey(), this.nodeId);
    await this.redis.del(this.nodeUsersKey(this.nodeId));
  }

  private async heartbeat(onExpired: (userIds: string[]) => void): Promise<void> {
    const now = Date.now();
    await this.redis.zAdd(this.nodesKey(), { score: now, value: this.nodeId });
    if (this.local.size > 0 && !(await this.redis.exists(this.nodeUsersKey(this.nodeId)))) await this.restore();
    const dead = await this.redis.zRangeByScore(this.nodesKey(), '-inf', now - this.expiryMs);
    for (const nodeId of dead) {
      if (nodeId === this.nodeId) continue;
      const claimed = await this.redis.set(`${this.prefix}:sweep:${nodeId}`, this.nodeId, { condition: 'NX', expiration: { type: 'PX', value: this.expiryMs } });
      if (!claimed) continue;
      const expired: string[] = [];
      for (const userId of await this.redis.sMembers(this.nodeUsersKey(nodeId))) {
        const gone = await this.redis.eval(DROP_NODE_CONNECTIONS, { keys: [this.userKey(userId)], arguments: [`${nodeId}|`] });
        if (Number(gone) === 1) expired.push(userId);
      }
      await this.redis.del(this.nodeUsersKey(nodeId));
      await this.redis.zRem(this.nodesKey(), nodeId);
      if (expired.length > 0) onExpired(expired);
    }
  }

  /** Registers this node's connections again after Redis lost them, so its users show online and can expire. */
  private async restore(): Promise<void> {
    for (const [userId, connections] of this.local) {
      for (const connectionId of connections) await this.redis.hSet(this.userKey(userId), this.field(connectionId), '1');
      await this.redis.sAdd(this.nodeUsersKey(this.nodeId), userId);
    }
    this.logger.warn(`Presence of ${this.local.size} user(s) registered again: Redis had lost it`);
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

  private nodesKey(): string {
    return `${this.prefix}:nodes`;
  }
}
