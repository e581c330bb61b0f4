import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllowRestricted, Authenticated } from '../common/auth/decorators';
import { UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @Authenticated()
  @AllowRestricted('password_change', 'mfa_setup')
  @ApiOperation({ summary: 'The caller’s own account' })
  @ApiOkResponse({ type: UserDto })
  me(): Promise<UserDto> {
    return this.users.me();
  }
}
