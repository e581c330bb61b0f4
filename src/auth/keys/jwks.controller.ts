import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/decorators';
import { JwksDto } from './jwks.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  @Get('jwks.json')
  @Public()
  // Short enough that a new key spreads soon; clients refetch on an unknown kid anyway.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The public keys that verify access tokens (JWKS, RFC 7517)',
    description:
      'With `JWT_ALGORITHM=EdDSA` or `ES256`: pick the key by the `kid` of the token header. ' +
      'With HS256 the list is empty: symmetric keys are never published.',
  })
  @ApiOkResponse({ type: JwksDto })
  jwks(): JwksDto {
    return this.keys.jwks();
  }
}
