/**
 * Whether new messages queue notification work (`chat_outbox` rows written with the message). Provided by the chat
 * module as the notifications' config (`NotificationsConfig`): the messages feature asks, without depending on the
 * notifications feature (which reads messages).
 */
export abstract class MessageOutbox {
  /** True when pushes, host drivers or a webhook taking `message.created` or `notification` are configured; false: nothing is queued. */
  abstract readonly enabled: boolean;
}
