import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { ChatUserEntity } from './entities/chat-user.entity';

/** How many recently seen names are remembered, to skip writes when nothing changed. */
const KNOWN_NAMES_CAPACITY = 10_000;
const DEFAULT_RESOLVE_CACHE_MS = 60_000;
/** How many unknown ids a USER_NOT_FOUND message names. */
const UNKNOWN_IDS_SHOWN = 5;

/** The chat-side user profiles: created on first sight, names refreshed from tokens. */
@Injectable()
export class UsersService {
  /** userId → the name and guest mark last written, so a request writes the profile only when they change. */
  private readonly knownNames = new Map<string, { name: string | null; guest: boolean }>();
  /** userId → the host's answer (whether it knows the user, and their name) and when it stops being fresh. */
  private readonly resolved = new Map<string, { known: boolean; name: string | null; until: number }>();
  private readonly logger = new Logger('UsersService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
  ) {}

  /**
   * Records the caller of a request: creates the profile or updates its name (when the token's differs) and its
   * guest mark (as the token says), so that adding a guest to a room can be refused.
   */
  async touch(principal: ChatPrincipal): Promise<void> {
    const name = principal.name ?? null;
    const guest = principal.guest === true;
    const known = this.knownNames.get(principal.userId);
    if (known && known.name === name && known.guest === guest) return;
    await this.dataSource.query(
      `INSERT INTO chat_users (id, name, guest) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, chat_users.name), guest = EXCLUDED.guest, updated_at = now()
       WHERE chat_users.name IS DISTINCT FROM COALESCE(EXCLUDED.name, chat_users.name) OR chat_users.guest <> EXCLUDED.guest`,
      [principal.userId, name, guest],
    );
    this.remember(principal.userId, { name, guest });
  }

  /** The guests among `userIds` (as their last token said). */
  async guestsOf(userIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await manager.query(`SELECT id FROM chat_users WHERE guest AND id = ANY($1::varchar[])`, [[...new Set(userIds)]])) as Array<{ id: string }>;
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Refuses user ids nobody knows, with 404 USER_NOT_FOUND, when the host gave `resolveUsers`: a user is known when
   * the chat has a profile for them (they have signed in, or were added while known) or `resolveUsers` returns them
   * (one call for every id the chat lacks; only known answers are cached, so a user created a moment ago is found).
   * A throwing `resolveUsers` fails the request. Without `resolveUsers` the module cannot tell, and any id is accepted.
   */
  async requireKnown(manager: EntityManager, userIds: string[]): Promise<void> {
    const resolveUsers = this.config.options.resolveUsers;
    if (!resolveUsers || userIds.length === 0) return;
    const unique = [...new Set(userIds)];
    const rows = (await manager.query(`SELECT id FROM chat_users WHERE id = ANY($1::varchar[])`, [unique])) as Array<{ id: string }>;
    const seen = new Set(rows.map((row) => row.id));
    const now = Date.now();
    const knownToHost = (id: string) => {
      const cached = this.resolved.get(id);
      return cached !== undefined && cached.known && cached.until > now;
    };
    const ask = unique.filter((id) => !seen.has(id) && !knownToHost(id));
    if (ask.length === 0) return;
    const profiles = new Map((await resolveUsers(ask)).map((profile) => [profile.id, profile.name ?? null]));
    this.cacheResolved(ask.filter((id) => profiles.has(id)), profiles, now);
    const unknown = ask.filter((id) => !profiles.has(id));
    if (unknown.length === 0) return;
    const shown = unknown.slice(0, UNKNOWN_IDS_SHOWN).join(', ') + (unknown.length > UNKNOWN_IDS_SHOWN ? `, … (${unknown.length} in all)` : '');
    throw new ChatError('USER_NOT_FOUND', unknown.length === 1 ? `No user has the id ${shown}` : `No users have the ids ${shown}`);
  }

  /** Makes sure profiles exist for users the caller names (members added before they ever signed in). */
  async ensureExist(manager: EntityManager, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await manager.query(`INSERT INTO chat_users (id) SELECT unnest($1::varchar[]) ON CONFLICT (id) DO NOTHING`, [userIds]);
  }

  /**
   * Display names by user id: the host's `resolveUsers` answer when it has one, else the name the user's last
   * token carried (null when neither gave one).
   */
  async namesOf(userIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, string | null>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const rows = await manager
      .getRepository(ChatUserEntity)
      .createQueryBuilder('u')
      .select(['u.id', 'u.name'])
      .where('u.id = ANY(:ids)', { ids: unique })
      .getMany();
    const names = new Map<string, string | null>(rows.map((row) => [row.id, row.name]));
    for (const [id, name] of await this.resolve(unique)) if (name !== null) names.set(id, name);
    return names;
  }

  /** The host's names, from the cache or one `resolveUsers` call for the ids it lacks. A failing hook is logged. */
  private async resolve(userIds: string[]): Promise<Map<string, string | null>> {
    const resolveUsers = this.config.options.resolveUsers;
    const result = new Map<string, string | null>();
    if (!resolveUsers) return result;
    const now = Date.now();
    const missing = userIds.filter((id) => {
      const cached = this.resolved.get(id);
      if (cached && cached.until > now) result.set(id, cached.name);
      return !cached || cached.until <= now;
    });
    if (missing.length === 0) return result;
    try {
      const profiles = new Map((await resolveUsers(missing)).map((profile) => [profile.id, profile.name ?? null]));
      this.cacheResolved(missing, profiles, now);
      for (const id of missing) result.set(id, profiles.get(id) ?? null);
    } catch (error) {
      this.logger.warn(`resolveUsers failed; using the names from tokens: ${String(error)}`);
    }
    return result;
  }

  /** Keeps the host's answers about `userIds` (those absent from `profiles` are unknown to it) for the cache period. */
  private cacheResolved(userIds: string[], profiles: Map<string, string | null>, now: number): void {
    const until = now + (this.config.options.resolveUsersCacheMs ?? DEFAULT_RESOLVE_CACHE_MS);
    if (this.resolved.size + userIds.length > KNOWN_NAMES_CAPACITY) this.resolved.clear();
    for (const id of userIds) this.resolved.set(id, { known: profiles.has(id), name: profiles.get(id) ?? null, until });
  }

  private remember(userId: string, profile: { name: string | null; guest: boolean }): void {
    if (this.knownNames.size >= KNOWN_NAMES_CAPACITY) this.knownNames.delete(this.knownNames.keys().next().value as string);
    this.knownNames.set(userId, profile);
  }
}
