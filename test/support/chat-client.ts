import type { Response } from 'supertest';
import type { TestApp, TestUser } from './test-app';

export const BASE = '/api/v1/chat';

/** Small helpers over the REST routes, so specs read as scenarios. */
export function chatClient(t: TestApp) {
  return {
    async group(owner: TestUser, members: TestUser[] = [], extra: Record<string, unknown> = {}) {
      const res = await t
        .http()
        .post(`${BASE}/rooms`)
        .set(owner.auth)
        .send({ type: 'group', title: 'Team', memberIds: members.map((m) => m.id), ...extra })
        .expect(201);
      return res.body as { id: string; version: number };
    },
    async send(user: TestUser, roomId: string, body: string, extra: Record<string, unknown> = {}, status = 201) {
      const res = await t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send({ body, ...extra }).expect(status);
      return res.body as MessageBody;
    },
    async room(user: TestUser, roomId: string) {
      return (await t.http().get(`${BASE}/rooms/${roomId}`).set(user.auth).expect(200)).body;
    },
    /** Follows nextCursor to the end and returns every item. */
    async all<T>(user: TestUser, path: string, query: Record<string, string | number> = {}): Promise<T[]> {
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await t
          .http()
          .get(path)
          .query(cursor ? { ...query, cursor } : query)
          .set(user.auth)
          .expect(200);
        items.push(...(res.body.items as T[]));
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    },
  };
}

/** The ordinary messages of a list, without the system messages that membership and room changes write. */
export const userMessages = <T extends { type: string }>(messages: T[]): T[] => messages.filter((message) => message.type === 'user');

export interface MessageBody {
  id: string;
  roomId: string;
  seq: number;
  type: 'user' | 'system';
  /** Null for system messages. */
  senderId: string | null;
  body: string;
  parentId: string | null;
  replyCount: number;
  images: unknown[];
  reactions: Array<{ emoji: string; count: number; me: boolean }>;
  pinned: boolean;
  mentions: string[];
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  version: number;
  system: { event: string; actorId: string; targetId: string | null } | null;
}
