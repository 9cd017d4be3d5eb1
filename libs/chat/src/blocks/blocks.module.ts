import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';
import { UserBlockEntity } from './entities/user-block.entity';

/** Users blocking users: the `/blocks` routes. What a block prevents is a rule of the access layer. */
@Module({
  imports: [TypeOrmModule.forFeature([UserBlockEntity]), AuthModule],
  controllers: [BlocksController],
  providers: [BlocksService],
})
export class BlocksModule {}
