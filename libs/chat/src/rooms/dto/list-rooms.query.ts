import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class ListRoomsQueryDto extends PageQueryDto {
  /** `mine` (default): my rooms, most recently active first. `public`: public group rooms to join. */
  @ApiPropertyOptional({ enum: ['mine', 'public'], default: 'mine' })
  @IsOptional()
  @IsIn(['mine', 'public'])
  scope?: 'mine' | 'public';
}
