import type { SystemChange } from '../common/system-messages';

/**
 * The English sentence of a system message, with display names (the user id when a user has none) as they were
 * when the change was made. Clients that want their own wording or language build it from `system` instead.
 */
export function systemMessageBody(change: SystemChange, nameOf: (userId: string) => string, roomTitle: string): string {
  const actor = nameOf(change.actorId);
  const target = change.targetId ? nameOf(change.targetId) : actor;
  switch (change.event) {
    case 'member.joined':
      return `${actor} joined`;
    case 'member.left':
      return `${actor} left`;
    case 'member.added':
      return `${actor} added ${target}`;
    case 'member.removed':
      return `${actor} removed ${target}`;
    case 'member.banned':
      return `${actor} banned ${target}`;
    case 'room.renamed':
      return roomTitle ? `${actor} renamed the room to “${roomTitle}”` : `${actor} removed the room's title`;
    case 'room.created':
      return roomTitle ? `${actor} created the room “${roomTitle}”` : `${actor} created the room`;
  }
}
