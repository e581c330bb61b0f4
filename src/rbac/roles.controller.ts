import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { NoApiKey, RequirePermissions } from '../common/auth/decorators';
import { PageQueryDto } from '../common/http/page';
import {
  AssignRolesDto,
  CreateRoleDto,
  PermissionListDto,
  RoleDto,
  RoleListDto,
  UpdateRoleDto,
  UserRolesDto,
} from './dto/role.dto';
import { RoleAssignmentService } from './role-assignment.service';
import { RolesService } from './roles.service';

/** Roles and permissions of the acting tenant. API keys never reach these routes. */
@ApiTags('roles')
@NoApiKey()
@Controller()
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly assignments: RoleAssignmentService,
  ) {}

  @Get('permissions')
  @RequirePermissions('roles:read')
  @ApiOperation({ summary: 'The permission catalogue' })
  @ApiOkResponse({ type: PermissionListDto })
  permissions(): Promise<PermissionListDto> {
    return this.roles.catalogue();
  }

  @Get('roles')
  @RequirePermissions('roles:read')
  @ApiOperation({ summary: "The tenant's roles, built-in first" })
  @ApiOkResponse({ type: RoleListDto })
  list(@Query() query: PageQueryDto): Promise<RoleListDto> {
    return this.roles.list(query);
  }

  @Get('roles/:id')
  @RequirePermissions('roles:read')
  @ApiOperation({ summary: 'One role with its permissions' })
  @ApiOkResponse({ type: RoleDto })
  @ApiNotFoundResponse({ description: 'No such role in this tenant' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<RoleDto> {
    return this.roles.get(id);
  }

  @Post('roles')
  @RequirePermissions('roles:manage')
  @ApiOperation({ summary: 'Create a custom role (only with permissions the caller holds)' })
  @ApiCreatedResponse({ type: RoleDto })
  @ApiBadRequestResponse({ description: 'Invalid name or unknown permission' })
  @ApiConflictResponse({ description: 'A role with this name exists (built-in names are taken)' })
  create(@Body() dto: CreateRoleDto): Promise<RoleDto> {
    return this.roles.create(dto);
  }

  @Put('roles/:id')
  @RequirePermissions('roles:manage')
  @ApiOperation({ summary: 'Change a custom role; its holders’ permissions change at once' })
  @ApiOkResponse({ type: RoleDto })
  @ApiNotFoundResponse({ description: 'No such role in this tenant' })
  @ApiConflictResponse({ description: 'Another role has this name' })
  @ApiUnprocessableEntityResponse({ description: 'Built-in roles cannot be changed' })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateRoleDto): Promise<RoleDto> {
    return this.roles.update(id, dto);
  }

  @Delete('roles/:id')
  @RequirePermissions('roles:manage')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a custom role; it is taken from every user holding it' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such role in this tenant' })
  @ApiUnprocessableEntityResponse({ description: 'Built-in roles cannot be deleted' })
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.roles.remove(id);
  }

  @Get('users/:id/roles')
  @RequirePermissions('roles:read')
  @ApiOperation({ summary: "A user's granted roles and effective permissions" })
  @ApiOkResponse({ type: UserRolesDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  userRoles(@Param('id', ParseUUIDPipe) id: string): Promise<UserRolesDto> {
    return this.assignments.listFor(id);
  }

  @Post('users/:id/roles')
  @RequirePermissions('roles:manage')
  @HttpCode(200)
  @ApiOperation({
    summary: "Replace a user's granted roles",
    description:
      'The roles named become exactly the roles granted to the user ([] removes them all); the built-in role of the ' +
      'user’s type always applies. Refused (403, audited) for your own account, for platform users unless you are ' +
      'one of at least their rank, and for any role added or removed whose permissions you do not all hold.',
  })
  @ApiOkResponse({ type: UserRolesDto })
  @ApiBadRequestResponse({ description: 'Unknown role name' })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  assign(@Param('id', ParseUUIDPipe) id: string, @Body() dto: AssignRolesDto): Promise<UserRolesDto> {
    return this.assignments.change(id, dto.roles, 'replace');
  }
}
