import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, NoApiKey, RequirePermissions } from '../common/auth/decorators';
import { PageQueryDto } from '../common/http/page';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

/**
 * The caller's own API keys. Creating one needs apikeys:manage; listing and revoking your own keys needs
 * only a signed-in user, so that anyone can always get rid of a key. An API key never reaches these routes.
 */
@ApiTags('api-keys')
@NoApiKey()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @RequirePermissions('apikeys:manage')
  @ApiOperation({
    summary: 'Create an API key; the key is shown only in this answer',
    description: 'Scopes must be permissions you hold (403, audited, otherwise). Send the key as X-API-Key.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiBadRequestResponse({ description: 'Unknown scope, or expiresAt not in the future' })
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Your API keys that are not revoked (never the key itself)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  list(@Query() query: PageQueryDto): Promise<ApiKeyListDto> {
    return this.keys.listOwn(query);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your API keys; it stops working at once' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such live key of yours' })
  revoke(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.keys.revokeOwn(id);
  }
}
