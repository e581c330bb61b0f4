import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BootstrapService } from './bootstrap.service';
import { TenantPolicyService } from './tenant-policy.service';
import { TenantResolver } from './tenant-resolver';
import { TenantInterceptor } from './tenant.interceptor';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Global()
@Module({
  providers: [
    TenantsRepository,
    TenantResolver,
    TenantPolicyService,
    BootstrapService,
    TenantsService,
    { provide: APP_INTERCEPTOR, useClass: TenantInterceptor },
  ],
  controllers: [TenantsController],
  exports: [TenantsRepository, TenantResolver, TenantPolicyService],
})
export class TenantsModule {}
