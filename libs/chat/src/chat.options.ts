import type { ChatPrincipal } from './auth/chat-principal';
import type { PresenceStore } from './presence/presence-store';
import type { ChatStorageDriver } from './images/storage/chat-storage-driver';

/**
 * How the module verifies bearer tokens (passport strategy `parley-jwt`, and sockets) when no `authenticate` function
 * is given. Give one key source: `secret`, `publicKey` or `jwksUri` (a public key or JWKS wins over a secret).
 */
export interface ChatJwtOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** PEM public key (RS256/ES256/PS256...), for tokens minted by an external identity provider. */
  publicKey?: string;
  /**
   * URL of an identity provider's JSON Web Key Set (`https://idp.example/.well-known/jwks.json`), instead of a fixed
   * `publicKey`: each token is verified with the key its header's `kid` names, so the provider can rotate keys.
   * Keys are fetched on first sight of a `kid` and cached for 10 minutes; the set is fetched at most 10 times a
   * minute (unknown `kid`s answer 401 without more fetches past that). Use https.
   */
  jwksUri?: string;
  /** Expected `iss` claim, when set. */
  issuer?: string;
  /** Expected `aud` claim, when set. */
  audience?: string;
  /**
   * Accepted algorithms. Default: `['HS256']` with a secret, the RS/PS/ES family with a public key or JWKS. `none` is
   * never accepted, and a public key or JWKS never accepts HS* (so a public key can never serve as an HMAC secret).
   */
  algorithms?: string[];
}

/** Sizes the module enforces. Every field has a default (see `DEFAULT_CHAT_LIMITS`). */
export interface ChatLimits {
  /** Default page size of every list. */
  defaultPageSize: number;
  /** Largest page a client may ask for. */
  maxPageSize: number;
  /** Most members a room may be created with in one request. */
  maxInitialMembers: number;
  /** Longest message body, in characters. */
  maxMessageLength: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  defaultPageSize: 50,
  maxPageSize: 100,
  maxInitialMembers: 500,
  maxMessageLength: 4000,
};

/**
 * Options of `ChatModule.forRoot` / `forRootAsync`.
 *
 * Either `jwt` or `authenticate` must be given: the module never reads the environment itself.
 */
export interface ChatModuleOptions {
  /** Token verification with a secret or a public key. */
  jwt?: ChatJwtOptions;
  /**
   * Replaces JWT verification: receives the raw bearer token and returns the caller, or null to refuse it.
   * Throwing also refuses the token.
   */
  authenticate?: (token: string) => Promise<ChatPrincipal | null> | ChatPrincipal | null;
  /**
   * Names (and avatars) of users from the host's own user store, for member lists and direct-room titles. Called
   * with the ids a response needs; users it leaves out keep the name their last token carried. Results are cached
   * for `resolveUsersCacheMs` (default 60 s).
   */
  resolveUsers?: (userIds: string[]) => Promise<ChatUserProfile[]> | ChatUserProfile[];
  resolveUsersCacheMs?: number;
  /**
   * The host's own access policy, asked after the module's rules allowed: return false to deny. A denied room looks
   * like a missing one (404), in lists too. Sockets take a changed answer into account when they next connect.
   */
  canAccessRoom?: (context: RoomAccessContext) => Promise<boolean> | boolean;
  /**
   * Called before a message is stored (HTTP and socket alike): return `{ reject: reason }` to refuse it (403 with
   * the reason), `{ body }` to store another text instead, or nothing to let it through.
   */
  beforeMessageSend?: (context: MessageSendContext) => Promise<MessageSendDecision> | MessageSendDecision;
  /** Limits; unset fields keep their defaults. */
  limits?: Partial<ChatLimits>;
  /** Message behaviour. */
  messages?: ChatMessageOptions;
  /** Where online state is kept. Default: in this process (one node); use `RedisPresenceStore` for many. */
  presence?: { store?: PresenceStore };
  /** The Socket.IO gateway. */
  realtime?: ChatRealtimeOptions;
  /** Image uploads: size and pixel limits, thumbnails, the folder of the default storage. */
  images?: ChatImageOptions;
  /**
   * Where image bytes are kept. Default: the local folder `images.directory`, or process memory when no folder is
   * given. Implement `ChatStorageDriver` to keep them elsewhere, such as an S3-style object store.
   */
  storage?: ChatStorageDriver;
}

export interface ChatMessageOptions {
  /**
   * Keep the original body of deleted messages in the database (for message-retention laws). It is never served
   * either way: a deleted message is a tombstone with an empty body. Default false: the body is erased.
   */
  retainDeletedContent?: boolean;
  /**
   * The emoji a reaction may use. Empty or unset: any single emoji (one grapheme) or a short `:name:` code.
   */
  allowedReactions?: string[];
}

/** Image uploads. Every field has a default (see `DEFAULT_CHAT_IMAGE_OPTIONS`). */
export interface ChatImageOptions {
  /** Largest upload in bytes, enforced while the upload streams in (413). Default 10 MiB (10 485 760). */
  maxUploadBytes?: number;
  /**
   * Most pixels an image may have (width × height × frames), read from its header before anything is decoded, so
   * that a small file that decodes to gigabytes is refused cheaply (413). Default 40 000 000.
   */
  maxPixels?: number;
  /** Longest side of the WebP thumbnail made at upload, in pixels; smaller images are not enlarged. Default 320. */
  thumbnailSize?: number;
  /** Most images one message may carry. Default 10. */
  maxImagesPerMessage?: number;
  /**
   * Folder of the built-in local storage driver (created when missing). Unset and no `storage` option: the bytes
   * are kept in process memory and lost on restart, which suits tests and in-memory deployments only.
   */
  directory?: string;
}

export const DEFAULT_CHAT_IMAGE_OPTIONS = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  thumbnailSize: 320,
  maxImagesPerMessage: 10,
} as const satisfies ChatImageOptions;

/** The route prefix and other options that shape the module itself, fixed when the module is defined. */
export interface ChatModuleExtras {
  /** Where the chat routes are mounted. Default `api/v1/chat`. */
  path: string;
}

export const DEFAULT_CHAT_PATH = 'api/v1/chat';

export interface ChatRealtimeOptions {
  /** Browser origins allowed to open a socket (the handshake's Origin header); empty or `*`: any. */
  allowedOrigins?: string[];
  /** Client events one socket may send per second before it gets 429 acks. Default 20 (bursts up to 40). */
  eventsPerSecond?: number;
  /**
   * How long a typing state lasts without a repeat, in ms. Default 6000. Clients should repeat `typing` every
   * few seconds while the user types, and expire a received state after this long.
   */
  typingTimeoutMs?: number;
}

/** A user as the host knows them. */
export interface ChatUserProfile {
  id: string;
  name?: string | null;
  avatarUrl?: string | null;
}

/** What `canAccessRoom` is asked about. */
export interface RoomAccessContext {
  userId: string;
  roomId: string;
  room: { type: 'direct' | 'group'; isPublic: boolean; creatorId: string };
  /** The user's role in the room; null when they are not a member (a public room seen from outside). */
  role: 'owner' | 'admin' | 'member' | null;
}

/** What `beforeMessageSend` is asked about. */
export interface MessageSendContext {
  userId: string;
  roomId: string;
  /** The trimmed text ('' for an images-only message). */
  body: string;
  parentId: string | null;
  imageIds: string[];
}

export type MessageSendDecision = { reject: string } | { body: string } | void | undefined;
