import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class JwkDto {
  @ApiProperty({ enum: ['OKP', 'EC'], example: 'OKP' })
  kty: 'OKP' | 'EC';

  @ApiProperty({ enum: ['Ed25519', 'P-256'], example: 'Ed25519' })
  crv: 'Ed25519' | 'P-256';

  @ApiProperty({ description: 'Public key (base64url)', example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
  x: string;

  @ApiPropertyOptional({ description: 'EC keys only: the y coordinate (base64url)' })
  y?: string;

  @ApiProperty({
    description: 'Key id (RFC 7638 thumbprint), as in the JWT header',
    example: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  })
  kid: string;

  @ApiProperty({ enum: ['EdDSA', 'ES256'], example: 'EdDSA' })
  alg: 'EdDSA' | 'ES256';

  @ApiProperty({ enum: ['sig'], example: 'sig' })
  use: 'sig';
}

export class JwksDto {
  @ApiProperty({
    type: [JwkDto],
    description:
      'The signing key first, then keys that only verify (a retired key until its tokens expire). Empty with HS256.',
  })
  keys: JwkDto[];
}
