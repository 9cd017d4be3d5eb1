/**
 * The Redis key prefixes of one deployment, from REDIS_PREFIX: deployments that share a Redis server must use
 * different prefixes, or each one's events, subscriptions and presence reach the other. Unset: the prefixes of
 * earlier versions, so nodes can be upgraded one by one.
 */
export interface RedisKeyPrefixes {
  /** Channels of the Socket.IO Redis adapter (its `key`). */
  socketIo: string;
  /** Keys of the presence store. */
  presence: string;
  /** Anything else this deployment keeps in Redis: `<prefix>:<what>`. */
  base: string;
}

export function redisKeyPrefixes(prefix: string | undefined): RedisKeyPrefixes {
  if (!prefix) return { socketIo: 'socket.io', presence: 'parley:presence', base: 'parley' };
  return { socketIo: `${prefix}:socket.io`, presence: `${prefix}:presence`, base: prefix };
}
