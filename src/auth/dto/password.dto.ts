import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength, MinLength } from 'class-validator';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'jdoe@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token received by email' })
  @IsString()
  @Length(1, 256)
  token: string;

  @ApiProperty({ format: 'password', description: 'Checked against the tenant’s password policy and history' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword: string;

  @ApiProperty({ format: 'password', description: 'Checked against the tenant’s password policy and history' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword: string;
}
