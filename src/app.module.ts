import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { SharedStateModule } from './cache/cache.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DevicesModule } from './devices/devices.module';
import { GdprModule } from './gdpr/gdpr.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MetricsModule } from './metrics/metrics.module';
import { MfaModule } from './mfa/mfa.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RbacModule } from './rbac/rbac.module';
import { RiskModule } from './risk/risk.module';
import { SessionsModule } from './sessions/sessions.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        LoggingModule,
        CommonModule,
        DatabaseModule,
        SharedStateModule,
        AuditModule,
        NotificationsModule,
        TenantsModule,
        RbacModule,
        SessionsModule,
        UsersModule,
        RiskModule,
        DevicesModule,
        AuthModule,
        ApiKeysModule,
        GdprModule,
        MfaModule,
        HealthModule,
        MetricsModule,
        MaintenanceModule,
      ],
    };
  }
}
