import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength, MinLength } from 'class-validator';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'jdoe@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty({ example: 'Kq3v9XwR2mT8yB1cN5dF7gH0jL4pS6uA', description: 'The token received by email' })
  @IsString()
  @Length(1, 256)
  token: string;

  @ApiProperty({
    example: 'Tulip-Harbor-Lantern-7',
    format: 'password',
    description: 'Checked against the tenant’s password policy and history',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword: string;
}

export class ChangePasswordDto {
  @ApiProperty({ example: 'Old-Password-Of-Mine-3', format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword: string;

  @ApiProperty({
    example: 'Tulip-Harbor-Lantern-7',
    format: 'password',
    description: 'Checked against the tenant’s password policy and history',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword: string;
}
