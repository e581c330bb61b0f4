import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { AuthenticatedUser, Permission } from './types';

export const DOTMAC_PUBLIC = 'dotmac:public';
export const DOTMAC_PERMISSIONS = 'dotmac:permissions';

/** A route anyone may call without a token; every other route requires one. */
export const Public = () => SetMetadata(DOTMAC_PUBLIC, true);

/** The caller must hold every permission listed (none: any authenticated caller). */
export const RequirePermissions = (...permissions: Permission[]) => SetMetadata(DOTMAC_PERMISSIONS, permissions);

/** The authenticated caller (undefined on a @Public() route). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
