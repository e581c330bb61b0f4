import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { AllowRestricted, Authenticated, NoApiKey, Public } from '../common/auth/decorators';
import { MfaRequiredDto } from '../mfa/dto/mfa-login.dto';
import { AuthService } from './auth.service';
import { LoginDto, LoginResponseDto, RefreshDto, TokenPairDto } from './dto/login.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with username or email and password' })
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
}
