import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RequirePermissions } from '../common/auth/decorators';
import { CreateTenantDto, ListTenantsQueryDto, TenantDto, TenantListDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

/** Tenant administration: platform admins only (no other user type can hold tenants:manage). */
@ApiTags('tenants')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @RequirePermissions('tenants:manage')
  @ApiOperation({ summary: 'Create a tenant with its built-in roles' })
  @ApiCreatedResponse({ type: TenantDto })
  @ApiBadRequestResponse({ description: 'Invalid slug, name or settings' })
  @ApiConflictResponse({ description: 'The slug is taken' })
  create(@Body() dto: CreateTenantDto): Promise<TenantDto> {
    return this.tenants.create(dto);
  }

  @Get()
  @RequirePermissions('tenants:manage')
  @ApiOperation({ summary: 'List tenants by slug' })
  @ApiOkResponse({ type: TenantListDto })
  list(@Query() query: ListTenantsQueryDto): Promise<TenantListDto> {
    return this.tenants.list(query);
  }

  @Get(':id')
  @RequirePermissions('tenants:manage')
  @ApiParam({ name: 'id', description: 'The tenant id or slug' })
  @ApiOperation({ summary: 'One tenant' })
  @ApiOkResponse({ type: TenantDto })
  @ApiNotFoundResponse({ description: 'No such tenant' })
  get(@Param('id') id: string): Promise<TenantDto> {
    return this.tenants.get(id);
  }

  @Put(':id')
  @RequirePermissions('tenants:manage')
  @ApiParam({ name: 'id', description: 'The tenant id or slug' })
  @ApiOperation({
    summary: 'Rename a tenant, replace its settings, or suspend / reactivate it',
    description:
      'settings, when given, replaces the whole settings object. Suspending revokes every session of the tenant ' +
      'at once; its users cannot sign in and its API keys are refused until it is active again.',
  })
  @ApiOkResponse({ type: TenantDto })
  @ApiBadRequestResponse({ description: 'Invalid name, status or settings (the slug cannot change)' })
  @ApiNotFoundResponse({ description: 'No such tenant' })
  @ApiUnprocessableEntityResponse({ description: 'Suspending your own tenant' })
  update(@Param('id') id: string, @Body() dto: UpdateTenantDto): Promise<TenantDto> {
    return this.tenants.update(id, dto);
  }
}
