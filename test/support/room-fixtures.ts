import { createHmac, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { BASE } from './chat-client';
import { pngImage } from './image-fixtures';
import { TEST_JWT_SECRET, type TestApp, type TestUser } from './test-app';

/** The kinds of room an authorization rule can depend on. */
export type RoomKind = 'private-group' | 'public-group' | 'direct';
export const ROOM_KINDS: readonly RoomKind[] = ['private-group', 'public-group', 'direct'];

/**
 * Who calls, relative to the room: never a member; a plain member; an admin; the owner; a member who was removed
 * (they sent a message and reacted while a member); a member of some other room who never belonged to this one.
 */
export type RoomCaller = 'outsider' | 'member' | 'admin' | 'owner' | 'removed' | 'other-room';
export const ROOM_CALLERS: readonly RoomCaller[] = ['outsider', 'member', 'admin', 'owner', 'removed', 'other-room'];

/**
 * Principals that are not room roles: a guest (token claim `guest: true`), who has joined the public group room
 * (the fixture's public room allows guests when a guest is asked for) and is an outsider of the other kinds; and a
 * server administrator (claim `chatAdmin: true`), who is in no room.
 */
export type PrincipalCaller = 'guest' | 'server-admin';
export const PRINCIPAL_CALLERS: readonly PrincipalCaller[] = ['guest', 'server-admin'];

export type Caller = RoomCaller | PrincipalCaller;
export const CALLERS: readonly Caller[] = [...ROOM_CALLERS, ...PRINCIPAL_CALLERS];

export const isPrincipalCaller = (caller: Caller): caller is PrincipalCaller => (PRINCIPAL_CALLERS as readonly Caller[]).includes(caller);

/** A direct room has two plain members and nobody can be removed from it: no admin, owner or removed member. */
export const callersOf = (kind: RoomKind): readonly Caller[] => (kind === 'direct' ? ['outsider', 'member', 'other-room', ...PRINCIPAL_CALLERS] : CALLERS);

/** Whether the caller is (or was) a member of a fixture of that kind: room members, and the guest of the public room. */
export const wasMember = (caller: Caller, kind: RoomKind): boolean => WAS_MEMBER.has(caller) || (caller === 'guest' && kind === 'public-group');

/** Callers who are (or, for `removed`, were) members of the fixture's room. */
export const WAS_MEMBER: ReadonlySet<Caller> = new Set<Caller>(['member', 'admin', 'owner', 'removed']);

export interface RoomFixture {
  kind: RoomKind;
  roomId: string;
  /** The user behind each caller the fixture was built for. */
  users: Partial<Record<Caller, TestUser>>;
  /** A plain member who is none of the callers and wrote the target message (in a direct room: the other member). */
  poster: TestUser;
  /** The owner (group rooms; also the `owner` caller when that one was asked for). */
  owner: TestUser | null;
  /** A second admin (group rooms, with `secondAdmin`), the target of "remove an admin". */
  secondAdmin: TestUser | null;
  /** A user who is in no room, the one addMember adds. */
  newcomer: TestUser;
  /** The poster's message (with the image when asked for). */
  targetMessageId: string;
  /** The message each caller sent while a member (with `ownMessages`). */
  ownMessageIds: Partial<Record<Caller, string>>;
  /** The poster's image, attached to the target message (with `image`). */
  imageId: string | null;
}

export interface FixtureOptions {
  /** The callers to create (default: all of `callersOf(kind)`); a fixture holds only who a cell needs. */
  callers?: readonly Caller[];
  /** The target message carries an image the poster uploaded. */
  image?: boolean;
  /** Every caller who is or was a member sends a message of their own (before the removed member is removed). */
  ownMessages?: boolean;
  /** Group rooms: a second admin besides the `admin` caller. */
  secondAdmin?: boolean;
  /** Runs once the room, its roles and messages exist, while the removed member is still a member. */
  beforeRemoval?: (fixture: RoomFixture) => Promise<unknown>;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const JWT_HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * A new user, as `TestApp.user` makes them, with the HS256 token signed by one HMAC: jsonwebtoken's `sign` with a
 * string secret first tries (and fails) to parse it as a private key, which costs about a millisecond per
 * token, and fixtures make thousands of users.
 */
export function newUser(name = 'User', claims: { guest?: true; chatAdmin?: true } = {}): TestUser {
  const id = `${claims.guest ? 'guest' : 'u'}-${randomUUID()}`;
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${JWT_HEADER}.${base64url(JSON.stringify({ sub: id, name, iat: now, exp: now + 3600, ...claims }))}`;
  const token = `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
  return { id, name, token, auth: { Authorization: `Bearer ${token}` } };
}

/** Fails with what was being set up, the status and the body, so a broken fixture is not mistaken for a cell. */
export function must(res: Response, status: number, what: string): Response {
  if (res.status !== status) throw new Error(`fixture: ${what} answered ${res.status} (expected ${status}): ${JSON.stringify(res.body)}`);
  return res;
}

/**
 * Factories of small, fresh rooms: every call makes new users, so fixtures never share state, rate limits or
 * subscriptions, and many can be built at the same time. Each holds the poster and the callers asked for:
 * the owner created the room (in a direct room the member opened it with the poster); admins were promoted by
 * the owner; the removed member was a member, sent and reacted as asked, then was removed by the owner; the
 * other-room caller belongs to a room of their own with someone unrelated; the outsider has never been in a room.
 */
export function roomFixtures(t: TestApp) {
  const png = pngImage(8, 8);

  const send = async (user: TestUser, roomId: string, body: string, imageIds?: string[]) =>
    must(await t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send({ body, ...(imageIds && { imageIds }) }), 201, `${user.name} sends in ${roomId}`).body
      .id as string;

  const upload = async (user: TestUser) =>
    must(await t.http().post(`${BASE}/images`).set(user.auth).attach('file', await png, { filename: 'pixel.png', contentType: 'image/png' }), 201, 'upload').body
      .id as string;

  const createRoom = async (creator: TestUser, body: Record<string, unknown>, status = 201) =>
    must(await t.http().post(`${BASE}/rooms`).set(creator.auth).send(body), status, `${creator.name} creates ${JSON.stringify(body)}`).body.id as string;

  /** A member of a room of their own (with one other user), who shares nothing with the fixture's room. */
  const memberOfAnotherRoom = async () => {
    const [user, peer] = [newUser('Other-room'), newUser('Other-room peer')];
    await createRoom(user, { type: 'group', title: 'Elsewhere', memberIds: [peer.id] });
    return user;
  };

  async function build(kind: RoomKind, options: FixtureOptions = {}): Promise<RoomFixture> {
    const callers = new Set(options.callers ?? callersOf(kind));
    const isGroup = kind !== 'direct';
    const poster = newUser('Poster');
    const newcomer = newUser('Newcomer');
    const creator = newUser(isGroup ? 'Owner' : 'Member');
    const users: RoomFixture['users'] = {};
    for (const caller of callers) {
      if (caller === (isGroup ? 'owner' : 'member')) users[caller] = creator;
      else if (caller === 'guest') users.guest = newUser('Guest', { guest: true });
      else if (caller === 'server-admin') users['server-admin'] = newUser('Server admin', { chatAdmin: true });
      else if (caller !== 'other-room') users[caller] = newUser(caller[0].toUpperCase() + caller.slice(1));
    }
    const secondAdmin = isGroup && options.secondAdmin ? newUser('Second admin') : null;
    const admins = [users.admin, secondAdmin].filter((user): user is TestUser => !!user);
    const joined = [...admins, users.member, users.removed].filter((user): user is TestUser => !!user && user !== creator);
    const [roomId, otherRoom, imageId] = await Promise.all([
      createRoom(
        creator,
        isGroup
          ? { type: 'group', title: 'Fixture', isPublic: kind === 'public-group', memberIds: [poster.id, ...joined.map((user) => user.id)] }
          : { type: 'direct', memberIds: [poster.id] },
      ),
      callers.has('other-room') ? memberOfAnotherRoom() : Promise.resolve(null),
      options.image ? upload(poster) : Promise.resolve(null),
    ]);
    if (otherRoom) users['other-room'] = otherRoom;
    const promote = async (user: TestUser) =>
      must(await t.http().patch(`${BASE}/rooms/${roomId}/members/${user.id}`).set(creator.auth).send({ role: 'admin' }), 200, `promote ${user.name}`);
    if (users.guest && kind === 'public-group') {
      must(await t.http().patch(`${BASE}/rooms/${roomId}`).set(creator.auth).send({ allowGuests: true }), 200, 'the owner lets guests in');
      must(await t.http().post(`${BASE}/rooms/${roomId}/join`).set(users.guest.auth), 200, 'the guest joins');
    }
    const own = options.ownMessages ? [...callers].filter((caller) => wasMember(caller, kind) && users[caller]) : [];
    const [targetMessageId, ownIds] = await Promise.all([
      send(poster, roomId, 'target message', imageId ? [imageId] : undefined),
      Promise.all(own.map((caller) => send(users[caller]!, roomId, `${caller}'s own message`))),
      Promise.all(admins.map(promote)),
    ]);
    const fixture: RoomFixture = {
      kind,
      roomId,
      users,
      poster,
      owner: isGroup ? creator : null,
      secondAdmin,
      newcomer,
      targetMessageId,
      ownMessageIds: Object.fromEntries(own.map((caller, index) => [caller, ownIds[index]])),
      imageId,
    };
    await options.beforeRemoval?.(fixture);
    if (users.removed) must(await t.http().delete(`${BASE}/rooms/${roomId}/members/${users.removed.id}`).set(creator.auth), 204, 'remove the removed member');
    return fixture;
  }

  return {
    /** A fresh room of that kind with the poster and the callers asked for. */
    build,
    send,
    createRoom,
  };
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
