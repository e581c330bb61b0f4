import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, NoApiKey, RequirePermissions } from '../common/auth/decorators';
import { SessionListDto, SessionPageQueryDto } from './dto/session.dto';
import { SessionManagementService } from './session-management.service';

@ApiTags('sessions')
@Controller()
export class SessionsController {
  constructor(private readonly sessions: SessionManagementService) {}

  @Get('sessions')
  @Authenticated()
  @NoApiKey()
  @ApiOperation({ summary: 'The caller’s active sessions; `current` marks the one making this request' })
  @ApiOkResponse({ type: SessionListDto })
  listOwn(@Query() query: SessionPageQueryDto): Promise<SessionListDto> {
    return this.sessions.listOwn(query);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @NoApiKey()
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of the caller’s sessions; its access tokens stop working at once' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such session of the caller' })
  revokeOwn(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.revokeOwn(id);
  }

  @Delete('sessions')
  @Authenticated()
  @NoApiKey()
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of the caller except the current one' })
  @ApiNoContentResponse()
  revokeOthers(): Promise<void> {
    return this.sessions.revokeOthers();
  }

  @Get('users/:id/sessions')
  @RequirePermissions('sessions:manage')
  @ApiOperation({ summary: 'A user’s active sessions (user of the acting tenant)' })
  @ApiOkResponse({ type: SessionListDto })
  @ApiNotFoundResponse({ description: 'No such user in the acting tenant' })
  listForUser(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: SessionPageQueryDto,
  ): Promise<SessionListDto> {
    return this.sessions.listForUser(id, query);
  }

  @Delete('users/:id/sessions')
  @RequirePermissions('sessions:manage')
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of a user (user of the acting tenant)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such user in the acting tenant' })
  revokeAllForUser(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.revokeAllForUser(id);
  }
}
