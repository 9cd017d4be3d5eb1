/** The authenticated caller of a chat route or socket. */
export interface ChatPrincipal {
  /** The host's user id (the token's `sub`). */
  userId: string;
  /** Display name (the token's `name`), when the token carries one. */
  name?: string;
  /** When the credential stops being valid (the token's `exp`); sockets are disconnected then. */
  expiresAt?: Date;
  /** A guest (JWT claim `guest: true`, or the host's `authenticate`): may only take part in rooms that allow guests. */
  guest?: boolean;
  /** A server administrator (the host's `isAdmin`, or the JWT claim `chatAdmin: true`): may use `/admin`. */
  admin?: boolean;
}
