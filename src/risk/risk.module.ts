import { Global, Module } from '@nestjs/common';
import { GeoIpService } from './geoip.service';
import { LoginHistoryRepository } from './login-history.repository';
import { LoginRiskService } from './login-risk.service';

@Global()
@Module({
  providers: [GeoIpService, LoginHistoryRepository, LoginRiskService],
  exports: [GeoIpService, LoginRiskService],
})
export class RiskModule {}
