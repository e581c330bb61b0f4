import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AllowRestricted, Authenticated, RequirePermissions } from '../common/auth/decorators';
import type { MaybePromise } from '../common/maybe-promise';
import { BulkOperationDto, BulkResultDto } from './bulk/bulk-operation.dto';
import { BulkOperationsService } from './bulk/bulk-operations.service';
import { UserDetailDto } from './dto/user-detail.dto';
import { CreateUserDto, StatusChangeDto, UpdateMeDto, UpdateUserDto } from './dto/user-input.dto';
import { SearchUsersDto, UserPageDto } from './search/search-users.dto';
import { UsersSearchService } from './search/users-search.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { UsersService } from './users.service';

const UserId = () => Param('id', ParseUUIDPipe);

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly lifecycle: UserLifecycleService,
    private readonly searches: UsersSearchService,
    private readonly bulk: BulkOperationsService,
  ) {}

  @Get('me')
  @Authenticated()
  @AllowRestricted('password_change', 'mfa_setup')
  @ApiOperation({ summary: 'The caller’s own account with profile, contact information and preferences' })
  @ApiOkResponse({ type: UserDetailDto })
  me(): MaybePromise<UserDetailDto> {
    return this.users.me();
  }

  @Put('me')
  @Authenticated()
  @ApiOperation({
    summary: 'Change the own names, profile, contact information and preferences (absent fields stay, null clears)',
  })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiBadRequestResponse({
    description: 'Invalid field, or a field the user may not change (userType, status, roles, ...)',
  })
  updateMe(@Body() dto: UpdateMeDto): Promise<UserDetailDto> {
    return this.users.updateMe(dto);
  }

  @Post()
  @RequirePermissions('users:create')
  @ApiOperation({ summary: 'Create an account; without a password it stays pending' })
  @ApiBody({
    type: CreateUserDto,
    examples: {
      active: {
        summary: 'An active customer with a password',
        value: {
          username: 'jdoe',
          email: 'jane.doe@example.com',
          firstName: 'Jane',
          lastName: 'Doe',
          userType: 'customer',
          password: 'Tulip-Harbor-Lantern-7',
        },
      },
      pending: {
        summary: 'A pending technician who sets the password by invitation',
        value: {
          username: 'tech.berlin',
          email: 'tech@example.com',
          firstName: 'Tom',
          lastName: 'Tech',
          userType: 'technician',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: UserDetailDto })
  @ApiBadRequestResponse({ description: 'Invalid field, unknown role, password over 72 bytes' })
  @ApiConflictResponse({ description: 'Username or email already used in this tenant' })
  @ApiUnprocessableEntityResponse({
    description: "User type not allowed in the tenant, or the password breaks the tenant's policy (every rule listed)",
  })
  create(@Body() dto: CreateUserDto): Promise<UserDetailDto> {
    return this.users.create(dto);
  }

  @Post('search')
  @RequirePermissions('users:read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Search the tenant’s users: substring query, filters, sort, offset pages or keyset cursor' })
  @ApiBody({
    type: SearchUsersDto,
    examples: {
      query: { summary: 'Active users matching "jane"', value: { query: 'jane', status: 'active', pageSize: 20 } },
      recent: {
        summary: 'Signed in this year, most recent first',
        value: { lastLoginFrom: '2026-01-01T00:00:00Z', sortBy: 'lastLoginAt', sortOrder: 'desc' },
      },
    },
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiBadRequestResponse({
    description: 'Invalid filter, sortBy outside the list, or a cursor not issued by the service',
  })
  search(@Body() dto: SearchUsersDto): Promise<UserPageDto> {
    return this.searches.run(dto);
  }

  @Post('bulk-operation')
  @RequirePermissions('users:bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply one operation to up to 1000 users, each atomically; failures are reported per user' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retry with the same key and body returns the first answer and changes nothing again',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ApiConflictResponse({ description: 'A request with this Idempotency-Key is still running' })
  @ApiUnprocessableEntityResponse({ description: 'The Idempotency-Key was used with another body' })
  bulkOperation(
    @Body() dto: BulkOperationDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<BulkResultDto> {
    return this.bulk.run(dto, idempotencyKey);
  }

  @Get(':id')
  @RequirePermissions('users:read')
  @ApiOperation({ summary: 'One account of the tenant' })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  get(@UserId() id: string): Promise<UserDetailDto> {
    return this.users.get(id);
  }

  @Put(':id')
  @RequirePermissions('users:update')
  @ApiOperation({
    summary: 'Change an account (absent fields stay, null clears); status and roles have their own routes',
  })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  @ApiConflictResponse({ description: 'Username or email already used in this tenant' })
  update(@UserId() id: string, @Body() dto: UpdateUserDto): Promise<UserDetailDto> {
    return this.users.update(id, dto);
  }

  @Delete(':id')
  @RequirePermissions('users:delete')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Soft-delete an account: status deleted, sessions and API keys revoked, username and email freed',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  @ApiUnprocessableEntityResponse({ description: 'Deleting the own account (use DELETE /users/me)' })
  delete(@UserId() id: string): Promise<void> {
    return this.lifecycle.delete(id);
  }

  @Post(':id/activate')
  @RequirePermissions('users:status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate a pending, suspended or deactivated account' })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  activate(@UserId() id: string, @Body() dto: StatusChangeDto): Promise<UserDetailDto> {
    return this.lifecycle.change(id, 'activate', dto.reason);
  }

  @Post(':id/deactivate')
  @RequirePermissions('users:status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate an account; its sessions and API keys are revoked at once' })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  deactivate(@UserId() id: string, @Body() dto: StatusChangeDto): Promise<UserDetailDto> {
    return this.lifecycle.change(id, 'deactivate', dto.reason);
  }

  @Post(':id/suspend')
  @RequirePermissions('users:status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend an account; its sessions and API keys are revoked at once' })
  @ApiOkResponse({ type: UserDetailDto })
  @ApiNotFoundResponse({ description: 'No such user in this tenant' })
  suspend(@UserId() id: string, @Body() dto: StatusChangeDto): Promise<UserDetailDto> {
    return this.lifecycle.change(id, 'suspend', dto.reason);
  }
}
