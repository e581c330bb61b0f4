import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BootstrapService } from './bootstrap.service';
import { TenantPolicyService } from './tenant-policy.service';
import { TenantResolver } from './tenant-resolver';
import { TenantInterceptor } from './tenant.interceptor';
import { TenantsRepository } from './tenants.repository';

@Global()
@Module({
  providers: [
    TenantsRepository,
    TenantResolver,
    TenantPolicyService,
    BootstrapService,
    { provide: APP_INTERCEPTOR, useClass: TenantInterceptor },
  ],
  exports: [TenantsRepository, TenantResolver, TenantPolicyService],
})
export class TenantsModule {}
