import type { PresenceStore } from './presence-store';

/** Presence of a single node: connection ids per user, in this process. */
export class InMemoryPresenceStore implements PresenceStore {
  private readonly connections = new Map<string, Set<string>>();

  async connect(userId: string, connectionId: string): Promise<boolean> {
    const set = this.connections.get(userId) ?? new Set<string>();
    this.connections.set(userId, set);
    set.add(connectionId);
    return set.size === 1;
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    const set = this.connections.get(userId);
    if (!set?.delete(connectionId)) return false;
    if (set.size > 0) return false;
    this.connections.delete(userId);
    return true;
  }

  async connectionCount(userId: string): Promise<number> {
    return this.connections.get(userId)?.size ?? 0;
  }

  async onlineUsers(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((userId) => this.connections.has(userId)));
  }
}
