import type { EntityManager } from 'typeorm';

/** The changes a system message records. */
export const SYSTEM_EVENTS = ['member.joined', 'member.left', 'member.added', 'member.removed', 'member.banned', 'room.renamed', 'room.created'] as const;
export type SystemEvent = (typeof SYSTEM_EVENTS)[number];

/**
 * One change to record. `actorId` made it; `targetId` is the member it was about (`member.added`,
 * `member.removed`, `member.banned`), null when the actor acted on themself or on the room (`member.joined`,
 * `member.left`, `room.renamed`, `room.created`).
 */
export interface SystemChange {
  event: SystemEvent;
  actorId: string;
  targetId: string | null;
}

/** The room the change happened in, and the room version the change took (the system message shares it). */
export interface SystemMessageRoom {
  id: string;
  type: 'direct' | 'group';
  version: number;
}

/** A system message written in a transaction: `publish()` after the commit announces it (`message.created`). */
export interface RecordedSystemMessage {
  publish(): void;
}

/**
 * Writes the system message of a membership or room change, in the change's transaction. Called by every feature
 * whose changes appear in the history (rooms, members, moderation); the messages side implements it, so those
 * features need not depend on it. Usage:
 *
 * ```ts
 * const { recorded, version } = await dataSource.transaction(async (manager) => {
 *   const version = await membership.remove(manager, target);        // the change, which bumps the room version
 *   return { version, recorded: await systemMessages.record(manager, { id, type, version }, { event: 'member.banned', actorId, targetId }) };
 * });
 * await memberEvents.removed(roomId, version, target);             // the change's own event first,
 * recorded.publish();                                              // then the system message's `message.created`
 * ```
 *
 * The message takes the room's next `seq` and the change's `version` (the version is not bumped again). Nothing is
 * written, and `publish()` does nothing, in direct rooms and when the module option `systemMessages` is false.
 */
export abstract class SystemMessages {
  abstract record(manager: EntityManager, room: SystemMessageRoom, change: SystemChange): Promise<RecordedSystemMessage>;
}

/** What `record` returns when it wrote nothing. */
export const NOTHING_RECORDED: RecordedSystemMessage = { publish: () => undefined };
