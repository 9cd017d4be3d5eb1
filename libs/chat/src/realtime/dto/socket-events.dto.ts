import { IsBoolean, IsInt, IsUUID, Max, Min } from 'class-validator';
import { CreateMessageDto } from '../../messages/dto/create-message.dto';

/** `message.send`: the REST body plus the room. */
export class SendMessageEventDto extends CreateMessageDto {
  @IsUUID('all')
  roomId: string;
}

/** `room.read` and `room.delivered`. */
export class RoomSeqEventDto {
  @IsUUID('all')
  roomId: string;

  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  seq: number;
}

/** `typing`. */
export class TypingEventDto {
  @IsUUID('all')
  roomId: string;

  @IsBoolean()
  isTyping: boolean;
}
