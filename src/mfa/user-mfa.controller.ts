import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { RequirePermissions } from '../common/auth/decorators';
import { MfaService } from './mfa.service';

class UserIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

@ApiTags('users')
@Controller('users')
export class UserMfaController {
  constructor(private readonly mfa: MfaService) {}

  @Delete(':id/mfa')
  @RequirePermissions('users:update')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Reset a user’s MFA: every method and backup code is removed and every trusted device revoked',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such user in the tenant' })
  reset(@Param() params: UserIdParam): Promise<void> {
    return this.mfa.reset(params.id);
  }
}
