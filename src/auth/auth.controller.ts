import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { AllowRestricted, Authenticated, NoApiKey, Public, RequirePermissions } from '../common/auth/decorators';
import { MfaRequiredDto } from '../mfa/dto/mfa-login.dto';
import { UserDto } from '../users/dto/user.dto';
import { AuthService } from './auth.service';
import { AcceptInvitationDto, RegisterDto, TokenDto } from './dto/account.dto';
import { IntrospectDto, IntrospectionDto } from './dto/introspection.dto';
import { LoginDto, LoginResponseDto, RefreshDto, TokenPairDto } from './dto/login.dto';
import { ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from './dto/password.dto';
import { PasswordFlowsService } from './password-flows.service';
import { RateLimit } from './rate-limit/rate-limit';
import { RegistrationService } from './registration.service';
import { TokenIntrospectionService } from './token-introspection.service';

const POLICY_REFUSAL = 'The password breaks the tenant’s policy or history; `message` lists every rule it breaks';
const TOO_LONG = 'Invalid input, or a password over 72 bytes';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly registration: RegistrationService,
    private readonly passwords: PasswordFlowsService,
    private readonly introspection: TokenIntrospectionService,
  ) {}

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with username or email and password' })
  @ApiBody({
    type: LoginDto,
    examples: {
      password: {
        summary: 'Username (or email) and password',
        value: { username: 'admin', password: 'your password' },
      },
    },
  })
  @ApiExtraModels(LoginResponseDto, MfaRequiredDto)
  @ApiOkResponse({
    description: 'Tokens, or (when the user has MFA) an mfaToken for /auth/mfa/challenge',
    schema: { oneOf: [{ $ref: getSchemaPath(LoginResponseDto) }, { $ref: getSchemaPath(MfaRequiredDto) }] },
  })
  @ApiUnauthorizedResponse({ description: 'Unknown user, wrong password or locked account (indistinguishable)' })
  login(@Body() dto: LoginDto): Promise<LoginResponseDto | MfaRequiredDto> {
    return this.auth.login(dto);
  }

  @Post('refresh')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; the old refresh token is spent' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired or spent refresh token (a spent one revokes the session)' })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('password_change', 'mfa_setup')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the current session; its access tokens stop working at once' })
  @ApiNoContentResponse()
  logout(): Promise<void> {
    return this.auth.logout();
  }

  @Post('introspect')
  @RequirePermissions('tokens:introspect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Introspect an access token (RFC 7662), for other services',
    description:
      'Call with an API key (`X-API-Key`) that has the `tokens:introspect` scope. The answer is revocation-accurate: ' +
      'a token whose session was logged out or revoked, or whose user was suspended, is `{ "active": false }` at once. ' +
      "Permissions are the current ones. A tenant-bound key sees only its own tenant's tokens.",
  })
  @ApiOkResponse({
    type: IntrospectionDto,
    content: {
      'application/json': {
        examples: {
          active: {
            summary: 'A live token',
            value: {
              active: true,
              sub: '5f0c8a7e-3b1d-4d6e-9a51-0c7a2f4e8b11',
              tid: '0b6f5c3a-8d2e-4f71-a9c4-3e5d7b1f2a60',
              sid: 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f',
              exp: 1767225600,
              iat: 1767224700,
              iss: 'dotmac-user-management',
              aud: 'dotmac-api',
              tokenType: 'Bearer',
              scope: 'sessions:read users:read',
              permissions: ['sessions:read', 'users:read'],
              username: 'jdoe',
              userType: 'support',
            },
          },
          inactive: { summary: 'Expired, forged, revoked or unknown', value: { active: false } },
        },
      },
    },
  })
  @ApiBadRequestResponse({ description: '`token` is missing or not a string' })
  introspect(@Body() dto: IntrospectDto): Promise<IntrospectionDto> {
    return this.introspection.introspect(dto.token);
  }

  @Post('register')
  @Public()
  @RateLimit('public')
  @ApiOperation({ summary: 'Create a customer account, pending until its email is verified' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: `${TOO_LONG}; terms and privacy must both be accepted` })
  @ApiForbiddenResponse({ description: 'Self-registration is not open in this tenant' })
  @ApiConflictResponse({ description: 'The username or email is taken in this tenant' })
  @ApiUnprocessableEntityResponse({ description: POLICY_REFUSAL })
  register(@Body() dto: RegisterDto): Promise<UserDto> {
    return this.registration.register(dto);
  }

  @Post('verify-email')
  @Public()
  @RateLimit('public')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify the email address with the emailed token; a pending account becomes active' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Invalid, expired or used token' })
  verifyEmail(@Body() dto: TokenDto): Promise<UserDto> {
    return this.registration.verifyEmail(dto.token);
  }

  @Post('password/forgot')
  @Public()
  @RateLimit('public')
  @HttpCode(202)
  @ApiOperation({ summary: 'Email a password-reset token; always 202, whether or not the address has an account' })
  @ApiAcceptedResponse()
  forgotPassword(@Body() dto: ForgotPasswordDto): void {
    this.passwords.forgot(dto.email);
  }

  @Post('password/reset')
  @Public()
  @RateLimit('public')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with a reset token; every session of the user ends' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: `Invalid, expired or used token; or ${TOO_LONG.toLowerCase()}` })
  @ApiUnprocessableEntityResponse({ description: POLICY_REFUSAL })
  resetPassword(@Body() dto: ResetPasswordDto): Promise<void> {
    return this.passwords.reset(dto);
  }

  @Post('password/change')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('password_change')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the own password; the other sessions end, the current one continues' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({
    description: `The current password is wrong (counts towards the lockout); or ${TOO_LONG.toLowerCase()}`,
  })
  @ApiUnprocessableEntityResponse({ description: POLICY_REFUSAL })
  changePassword(@Body() dto: ChangePasswordDto): Promise<void> {
    return this.passwords.change(dto);
  }

  @Post('invitations/accept')
  @Public()
  @RateLimit('public')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an invitation: create the account with a username and password, and sign in' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ description: `Invalid, expired, revoked or used invitation; or ${TOO_LONG.toLowerCase()}` })
  @ApiConflictResponse({ description: 'The username (or the invited email) is taken in this tenant' })
  @ApiUnprocessableEntityResponse({ description: POLICY_REFUSAL })
  acceptInvitation(@Body() dto: AcceptInvitationDto): Promise<LoginResponseDto> {
    return this.registration.acceptInvitation(dto);
  }
}
