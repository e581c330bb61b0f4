import { applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { SessionRestriction } from '../context/request-context';
import type { Permission } from './permissions';

export const PUBLIC_ROUTE = Reflector.createDecorator<true>();
export const REQUIRED_PERMISSIONS = Reflector.createDecorator<Permission[]>();
export const ALLOWED_RESTRICTIONS = Reflector.createDecorator<SessionRestriction[]>();
export const NO_API_KEY = Reflector.createDecorator<true>();

/** A route anyone may call without credentials; every other route requires authentication. */
export const Public = () => PUBLIC_ROUTE(true);

/** The route needs an authenticated caller holding every permission listed (none: any authenticated caller). */
export const RequirePermissions = (...permissions: Permission[]) =>
  applyDecorators(
    REQUIRED_PERMISSIONS(permissions),
    ApiBearerAuth(),
    ApiSecurity('apiKey'),
    ApiUnauthorizedResponse({ description: 'Not authenticated' }),
    ApiForbiddenResponse({ description: permissions.length ? `Requires ${permissions.join(', ')}` : 'Not allowed' }),
  );

/** A route any authenticated caller may reach (its own account, its own sessions). */
export const Authenticated = () => RequirePermissions();

/**
 * Routes that a restricted session (expired password, overdue MFA enrolment) may still reach, so the
 * user can fix what the restriction is about.
 */
export const AllowRestricted = (...restrictions: SessionRestriction[]) => ALLOWED_RESTRICTIONS(restrictions);

/** Routes an API key can never reach, whatever its scopes: passwords, MFA, API keys, roles. */
export const NoApiKey = () => NO_API_KEY(true);
