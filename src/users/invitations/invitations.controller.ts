import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { RequirePermissions } from '../../common/auth/decorators';
import { CreateInvitationDto, InvitationDto, InvitationPageDto, ListInvitationsQuery } from './invitation.dto';
import { InvitationsService } from './invitations.service';

@ApiTags('users')
@Controller('users/invitations')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post()
  @RequirePermissions('users:invite')
  @ApiOperation({ summary: 'Invite someone by email; the token goes out through the notification port only' })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiBadRequestResponse({ description: 'Invalid email or user type, unknown role' })
  @ApiConflictResponse({ description: 'An account with this email exists in the tenant' })
  @ApiUnprocessableEntityResponse({ description: 'The tenant does not allow this user type' })
  create(@Body() dto: CreateInvitationDto): Promise<InvitationDto> {
    return this.invitations.create(dto);
  }

  @Get()
  @RequirePermissions('users:invite')
  @ApiOperation({ summary: 'Pending invitations of the tenant, newest first' })
  @ApiOkResponse({ type: InvitationPageDto })
  list(@Query() query: ListInvitationsQuery): Promise<InvitationPageDto> {
    return this.invitations.listPending(query);
  }

  @Delete(':id')
  @RequirePermissions('users:invite')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a pending invitation; its token stops working' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such invitation in this tenant' })
  @ApiConflictResponse({ description: 'The invitation was already accepted or revoked' })
  revoke(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.invitations.revoke(id);
  }
}
