import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { UsersModule } from '../users/users.module';
import { ChatAuthGuard } from './chat-auth.guard';
import { JwtKeys } from './jwt-keys';
import { JwtKeysModule } from './jwt-keys.module';
import { ParleyHostStrategy } from './parley-host.strategy';
import { ParleyJwtStrategy } from './parley-jwt.strategy';
import { TokenVerifier } from './token-verifier';

/**
 * Authentication: the passport strategies `parley-jwt` and `parley-host` (registered when the module starts), the
 * guard, and the TokenVerifier of sockets, on a JwtService configured from the chat options.
 *
 * Global, like the chat's core module and for the same reason: a guard is instantiated in the module of the
 * controller that uses it, so a host (or the standalone server) can put `ChatAuthGuard` on its own routes only when
 * the guard's dependencies resolve everywhere. Its tokens are the library's own classes, so nothing of the host's
 * is shadowed.
 */
@Global()
@Module({
  imports: [
    UsersModule,
    JwtKeysModule,
    JwtModule.registerAsync({ imports: [JwtKeysModule], useExisting: JwtKeys }),
  ],
  providers: [TokenVerifier, ParleyJwtStrategy, ParleyHostStrategy, ChatAuthGuard],
  exports: [TokenVerifier, ChatAuthGuard, UsersModule],
})
export class AuthModule {}
