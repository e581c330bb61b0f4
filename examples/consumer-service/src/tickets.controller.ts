import { Controller, Get, Headers, ServiceUnavailableException } from '@nestjs/common';
import {
  type AuthenticatedUser,
  CurrentUser,
  Public,
  RequirePermissions,
  type UserManagementClient,
  createUserManagementClient,
} from '@dotmac/user-management-client';
import { ConsumerSettings } from './settings';

/** A stand-in for a real service's routes: a public one, one for any signed-in user, one behind a permission. */
@Controller()
export class TicketsController {
  constructor(private readonly settings: ConsumerSettings) {}

  @Get('status')
  @Public()
  status(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('whoami')
  whoami(@CurrentUser() user: AuthenticatedUser): object {
    return {
      userId: user.userId,
      tenantId: user.tenantId,
      sessionId: user.sessionId,
      userType: user.userType,
      username: user.username ?? null,
      permissions: [...user.permissions].sort(),
    };
  }

  @Get('tickets')
  @RequirePermissions('users:read')
  tickets(@CurrentUser() user: AuthenticatedUser): { items: { id: number; openedFor: string }[] } {
    return { items: [{ id: 1, openedFor: user.userId }] };
  }

  /** Calls the user-management service on the caller's behalf with the typed client. */
  @Get('profile')
  async profile(@Headers('authorization') authorization: string): Promise<{ username: string; email: string }> {
    const api: UserManagementClient = createUserManagementClient({
      baseUrl: this.settings.serviceUrl,
      accessToken: authorization.replace(/^bearer\s+/i, ''),
    });
    const { data, response } = await api.GET('/api/v2/users/me');
    if (!data) throw new ServiceUnavailableException(`The user-management service answered ${response.status}`);
    return { username: data.username, email: data.email };
  }
}
