import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { CreateMessageDto } from '../../messages/dto/create-message.dto';
import { IsChatId } from '../../common/canonical-id';

/** `message.send`: the REST body plus the room. */
export class SendMessageEventDto extends CreateMessageDto {
  @IsChatId()
  roomId: string;
}

/** `room.read` and `room.delivered`. */
export class RoomSeqEventDto {
  @IsChatId()
  roomId: string;

  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  seq: number;
}

/** `typing`. */
export class TypingEventDto {
  @IsChatId()
  roomId: string;

  @IsBoolean()
  isTyping: boolean;
}
