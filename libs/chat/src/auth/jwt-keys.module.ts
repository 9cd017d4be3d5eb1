import { Module } from '@nestjs/common';
import { JwtKeys } from './jwt-keys';

/** One `JwtKeys` (one JWKS cache) for the JwtModule options and the passport strategy alike. */
@Module({
  providers: [JwtKeys],
  exports: [JwtKeys],
})
export class JwtKeysModule {}
