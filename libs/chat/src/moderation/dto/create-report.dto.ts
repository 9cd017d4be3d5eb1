import { IsChatText } from '../../common/chat-text';

/** `POST /rooms/{roomId}/messages/{messageId}/reports`. */
export class CreateReportDto {
  /** What is wrong with the message, for the room's owner and admins. */
  @IsChatText({ min: 1, max: 1000 })
  reason: string;
}
