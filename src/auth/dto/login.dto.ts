import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto';

export class LoginDto {
  @ApiProperty({ description: 'Username or email', example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({
    description: 'A device token from an earlier MFA challenge with trustDevice',
    example: 'dt_q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  deviceToken?: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'rt_Ab3dEf6hIj9kLm2nOp5qRs.Tu8vWx1yZa4bCd7eFg0hIj3kLm6nOp9qRs2tUv5wXy8zA1b' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  refreshToken: string;
}

export class TokenPairDto {
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 }) expiresIn: number;
  @ApiProperty({ format: 'uuid' }) sessionId: string;
}

export class LoginResponseDto extends TokenPairDto {
  @ApiProperty({ type: UserDto }) user: UserDto;
  @ApiPropertyOptional({ description: 'The password has expired: the token only reaches /auth/password/change' })
  passwordExpired?: boolean;
  @ApiPropertyOptional({ description: 'MFA must be set up (see the grace period in the README)' })
  mfaSetupRequired?: boolean;
  @ApiPropertyOptional({
    description:
      'The user has not accepted the tenant’s current terms or privacy version: accept them with POST /users/me/consents',
  })
  consentRequired?: boolean;
}
