import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChatConfig } from '../common/chat-config';
import { NOTHING_RECORDED, SystemMessages, type RecordedSystemMessage, type SystemChange, type SystemMessageRoom } from '../common/system-messages';
import { ChatEventBus } from '../events/chat-event-bus';
import { UsersService } from '../users/users.service';
import { MessageEntity } from './entities/message.entity';
import { MessageViewsService } from './message-views.service';
import { systemMessageBody } from './system-message-body';

/**
 * The messages side of SystemMessages: writes a change's system message in the change's transaction. Group rooms
 * only: a direct room's two members never change and it has no title, so its history stays the conversation.
 *
 * The message takes the next `seq` (moving `last_seq`, `last_message_at` and `last_activity_at` like any message,
 * so it is the room's `lastMessage`) and the change's `version`. It is written here, not by the batched
 * MessageWriter: it belongs to the change's transaction, and it has no outbox row (it never notifies).
 */
@Injectable()
export class SystemMessageWriter extends SystemMessages {
  private readonly enabled: boolean;

  constructor(
    private readonly users: UsersService,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
    config: ChatConfig,
  ) {
    super();
    this.enabled = config.options.systemMessages ?? true;
  }

  async record(manager: EntityManager, room: SystemMessageRoom, change: SystemChange): Promise<RecordedSystemMessage> {
    if (!this.enabled || room.type !== 'group') return NOTHING_RECORDED;
    const [rows]: [Array<{ last_seq: number; title: string }>, number] = await manager.query(
      `UPDATE chat_rooms SET last_seq = last_seq + 1, last_message_at = now(), last_activity_at = now() WHERE id = $1 RETURNING last_seq, title`,
      [room.id],
    );
    if (rows.length === 0) throw new Error(`Room ${room.id} vanished inside its own transaction`);
    const { last_seq: seq, title } = rows[0];
    const names = await this.users.namesOf([change.actorId, ...(change.targetId ? [change.targetId] : [])], manager);
    const nameOf = (userId: string): string => names.get(userId) || userId;
    const repository = manager.getRepository(MessageEntity);
    const { identifiers } = await repository.insert(
      repository.create({
        roomId: room.id,
        seq,
        type: 'system',
        senderId: null,
        body: systemMessageBody(change, nameOf, title),
        systemEvent: change.event,
        systemActorId: change.actorId,
        systemTargetId: change.targetId,
        version: room.version,
      }),
    );
    const message = await repository.findOneByOrFail({ id: identifiers[0].id as string });
    const view = this.views.fresh(message, []);
    return { publish: () => this.events.publish('message.created', { roomId: room.id, version: room.version, message: view }) };
  }
}
