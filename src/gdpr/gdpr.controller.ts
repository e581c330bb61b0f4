import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AllowRestricted, Authenticated, NoApiKey, RequirePermissions } from '../common/auth/decorators';
import { ConsentService } from './consent.service';
import { DataExportService } from './data-export.service';
import { AcceptConsentDto, ConsentStatusDto } from './dto/consent.dto';
import { EraseSelfDto, ErasureResultDto } from './dto/erasure.dto';
import { UserExportDto } from './dto/export.dto';
import { ErasureService } from './erasure.service';

/** Consent, export and erasure (GDPR). Paths under /users that the users module does not serve. */
@ApiTags('gdpr')
@Controller('users')
export class GdprController {
  constructor(
    private readonly consents: ConsentService,
    private readonly exports: DataExportService,
    private readonly erasure: ErasureService,
  ) {}

  @Get('me/consents')
  @Authenticated()
  @AllowRestricted('password_change', 'mfa_setup')
  @ApiOperation({ summary: 'The terms and privacy versions the caller accepted, and whether new ones await' })
  @ApiOkResponse({ type: ConsentStatusDto })
  consentStatus(): Promise<ConsentStatusDto> {
    return this.consents.status();
  }

  @Post('me/consents')
  @Authenticated()
  @NoApiKey()
  @AllowRestricted('password_change', 'mfa_setup')
  @HttpCode(200)
  @ApiOperation({ summary: "Accept the tenant's current version of the terms or the privacy notice" })
  @ApiOkResponse({ type: ConsentStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'The version is not the current one' })
  acceptConsent(@Body() dto: AcceptConsentDto): Promise<ConsentStatusDto> {
    return this.consents.accept(dto);
  }

  @Get('me/export')
  @Authenticated()
  @NoApiKey()
  @ApiOperation({ summary: 'Every record held about the caller, as one JSON document (GDPR art. 15/20)' })
  @ApiOkResponse({ type: UserExportDto })
  exportSelf(): Promise<UserExportDto> {
    return this.exports.exportSelf();
  }

  @Get(':id/export')
  @RequirePermissions('gdpr:manage')
  @ApiOperation({ summary: 'Every record held about a user of the tenant, as one JSON document' })
  @ApiOkResponse({ type: UserExportDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such user in the tenant' })
  exportUser(@Param('id', ParseUUIDPipe) id: string): Promise<UserExportDto> {
    return this.exports.exportUser(id);
  }

  @Delete('me')
  @Authenticated()
  @NoApiKey()
  @HttpCode(204)
  @ApiOperation({ summary: "Erase the caller's own account (GDPR art. 17); the password confirms it" })
  @ApiNoContentResponse({ description: 'Erased; every session of the account has ended' })
  @ApiForbiddenResponse({ description: 'Wrong password (or too many wrong attempts)' })
  @ApiUnprocessableEntityResponse({ description: 'The last active super admin' })
  eraseSelf(@Body() dto: EraseSelfDto): Promise<void> {
    return this.erasure.eraseSelf(dto);
  }

  @Post(':id/erase')
  @RequirePermissions('gdpr:manage')
  @HttpCode(200)
  @ApiOperation({ summary: "Erase a user's personal data; idempotent (a second call changes nothing)" })
  @ApiOkResponse({ type: ErasureResultDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such user in the tenant' })
  @ApiUnprocessableEntityResponse({ description: 'The last active super admin' })
  eraseUser(@Param('id', ParseUUIDPipe) id: string): Promise<ErasureResultDto> {
    return this.erasure.eraseUser(id);
  }
}
