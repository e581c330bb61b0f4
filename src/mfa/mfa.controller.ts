import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { AllowRestricted, Authenticated, NoApiKey, Public } from '../common/auth/decorators';
import { MfaChallengeDto, MfaChallengeResponseDto, MfaSendDto } from './dto/mfa-login.dto';
import {
  BackupCodesDto,
  CodeSentDto,
  MfaMethodParam,
  MfaStatusDto,
  PasswordConfirmationDto,
  SetupMfaDto,
  TotpSetupDto,
  VerifyMfaDto,
} from './dto/mfa-setup.dto';
import { MfaLoginService } from './mfa-login.service';
import { MfaService } from './mfa.service';
import { RateLimit } from '../auth/rate-limit/rate-limit';

@ApiTags('auth')
@ApiExtraModels(TotpSetupDto, CodeSentDto)
@Controller('auth/mfa')
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly login: MfaLoginService,
  ) {}

  @Post('challenge')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Second sign-in step: a TOTP, SMS or email code, or a backup code → tokens',
    description:
      'The tenant is the one the mfaToken was issued in. Failed challenges count toward the account lockout.',
  })
  @ApiOkResponse({ type: MfaChallengeResponseDto })
  @ApiUnauthorizedResponse({ description: 'Invalid, expired or reused code; invalid mfaToken; locked account' })
  challenge(@Body() dto: MfaChallengeDto): Promise<MfaChallengeResponseDto> {
    return this.login.challenge(dto);
  }

  @Post('send')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send (or resend) a sign-in code by SMS or email' })
  @ApiOkResponse({ type: CodeSentDto })
  @ApiUnauthorizedResponse({ description: 'Invalid or expired mfaToken' })
  @ApiTooManyRequestsResponse({ description: 'A code went out moments ago (see Retry-After)' })
  send(@Body() dto: MfaSendDto): Promise<CodeSentDto> {
    return this.login.send(dto);
  }

  @Get()
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('mfa_setup')
  @ApiOperation({ summary: 'The caller’s MFA methods, backup codes left, and whether MFA is required' })
  @ApiOkResponse({ type: MfaStatusDto })
  status(): Promise<MfaStatusDto> {
    return this.mfa.status();
  }

  @Post('setup')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('mfa_setup')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start setting up a method: a TOTP secret and QR code, or a code sent by SMS or email',
    description:
      'For sms, the number is `destination` when given, else the mobile phone (or phone) of the contact info. ' +
      'When a method is already enabled, `password` is required (a wrong one is 403 and counts toward the lockout).',
  })
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(TotpSetupDto) }, { $ref: getSchemaPath(CodeSentDto) }] } })
  @ApiBadRequestResponse({ description: 'Unknown method, no phone number for sms, or the password missing' })
  @ApiConflictResponse({ description: 'The method is already enabled' })
  @ApiTooManyRequestsResponse({ description: 'A code went out moments ago (see Retry-After)' })
  setup(@Body() dto: SetupMfaDto): Promise<TotpSetupDto | CodeSentDto> {
    return this.mfa.setup(dto);
  }

  @Post('verify')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('mfa_setup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a method with its first code; returns backup codes, shown only now' })
  @ApiOkResponse({ type: BackupCodesDto })
  @ApiBadRequestResponse({ description: 'Wrong or expired code, or no setup pending' })
  @ApiConflictResponse({ description: 'The method is already enabled' })
  verify(@Body() dto: VerifyMfaDto): Promise<BackupCodesDto> {
    return this.mfa.verify(dto);
  }

  @Post('backup-codes')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('mfa_setup')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the backup codes with a new set (password required); the old ones stop working',
    description: 'A wrong password is 403 and counts toward the account lockout.',
  })
  @ApiOkResponse({ type: BackupCodesDto })
  @ApiUnprocessableEntityResponse({ description: 'No MFA method is enabled' })
  regenerateBackupCodes(@Body() dto: PasswordConfirmationDto): Promise<BackupCodesDto> {
    return this.mfa.regenerateBackupCodes(dto.password);
  }

  @Delete(':method')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('mfa_setup')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Disable a method (password required)',
    description:
      'A wrong password is 403 and counts toward the account lockout. Disabling the last method also ' +
      'removes the backup codes and revokes the trusted devices.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'The method is not set up' })
  @ApiUnprocessableEntityResponse({ description: 'The last method, and the tenant requires MFA of the caller' })
  disable(@Param() params: MfaMethodParam, @Body() dto: PasswordConfirmationDto): Promise<void> {
    return this.mfa.disable(params.method, dto.password);
  }
}
