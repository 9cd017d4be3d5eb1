import { PageQueryDto } from '../../common/pagination';
import { IsChatText } from '../../common/chat-text';

/** `GET /admin/rooms`: every room of the server, most recently active first. */
export class ListAdminRoomsQueryDto extends PageQueryDto {
  /** Only rooms whose title contains this text, without regard to case. */
  @IsChatText({ max: 200, optional: true })
  q?: string;
}
