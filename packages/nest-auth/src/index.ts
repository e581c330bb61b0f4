export { DotmacAuthModule } from './dotmac-auth.module';
export { DotmacAuthGuard } from './auth.guard';
export { CurrentUser, Public, RequirePermissions } from './decorators';
export { DotmacTokenVerifier, type VerifiedToken } from './token-verifier';
export { createUserManagementClient, type UserManagementClient } from './api-client';
export type { AsymmetricAlgorithm, DotmacAuthAsyncOptions, DotmacAuthOptions } from './options';
export * from './types';
export type { components, operations, paths } from './generated/api';
