import { Global, Module } from '@nestjs/common';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSealer } from './audit-sealer.service';
import { AuditTrailService } from './audit-trail.service';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditRepository, AuditSealer, AuditTrailService, AuditRetentionService],
  exports: [AuditService, AuditRepository, AuditSealer, AuditTrailService, AuditRetentionService],
})
export class AuditModule {}
