// The users the viewer blocked (`GET /blocks`): their messages are hidden here, as the contract asks of clients
// (the server keeps the viewer's own view unchanged).
import type { Api } from './api';

export class BlockList {
  private readonly blocked = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly api: Api) {}

  /** Loads the list; a server or user that has none (a guest) leaves it empty. */
  async load(): Promise<void> {
    try {
      const { items } = await this.api.blocks();
      this.blocked.clear();
      for (const block of items) this.blocked.add(block.userId);
      this.changed();
    } catch {
      // nothing hidden
    }
  }

  has(userId: string | null): boolean {
    return userId !== null && this.blocked.has(userId);
  }

  /** Blocks or unblocks; the list follows the server's answer. */
  async set(userId: string, on: boolean): Promise<void> {
    await this.api.block(userId, on);
    if (on) this.blocked.add(userId);
    else this.blocked.delete(userId);
    this.changed();
  }

  /** Called after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
