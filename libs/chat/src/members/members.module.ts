import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [RoomsModule],
  controllers: [MembersController],
  providers: [MembersService],
})
export class MembersModule {}
