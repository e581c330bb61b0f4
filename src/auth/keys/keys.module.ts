import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';
import { SigningKeys } from './signing-keys';

/** The JWT key material (HS256 secret or asymmetric key ring) and its public JWKS. */
@Module({
  providers: [SigningKeys],
  controllers: [JwksController],
  exports: [SigningKeys],
})
export class KeysModule {}
