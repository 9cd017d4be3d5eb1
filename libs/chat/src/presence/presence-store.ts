/**
 * Where live connections are counted. A user is online while they have at least one connection on any node.
 * The default keeps counts in this process (one node); `RedisPresenceStore` shares them between nodes and ages
 * out the connections of a node that died without saying goodbye.
 */
export interface PresenceStore {
  /** Records a live connection; resolves true when it is the user's first anywhere (they came online). */
  connect(userId: string, connectionId: string): Promise<boolean>;
  /** Forgets a connection; resolves true when it was the user's last anywhere (they went offline). */
  disconnect(userId: string, connectionId: string): Promise<boolean>;
  /** Which of these users have a live connection anywhere. */
  onlineUsers(userIds: string[]): Promise<Set<string>>;
  /**
   * How many live connections the user has on every node. Optional: with it, the most sockets per user
   * (`rateLimits.socketsPerUser`) holds across nodes; without it, on each node.
   */
  connectionCount?(userId: string): Promise<number>;
  /**
   * Starts background work (heartbeats) and registers the listeners: `onExpired` for users whose last connections
   * vanished (with a dead node, or while the store could not be reached), `onOnline` for users the store had lost
   * and registered again. Called once by the module at start-up.
   */
  start?(onExpired: (userIds: string[]) => void, onOnline?: (userIds: string[]) => void): void;
  /** Stops background work and forgets this node's connections. Called at shutdown. */
  stop?(): Promise<void>;
}

/** Injection token of the presence store; set it through the module's `presence.store` option. */
export const PRESENCE_STORE = Symbol('PARLEY_PRESENCE_STORE');
