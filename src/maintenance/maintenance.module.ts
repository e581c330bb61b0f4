import { Module } from '@nestjs/common';
import { ExpiredRowsService } from './expired-rows.service';
import { OneTimeTokensPurgeRepository } from './one-time-tokens-purge.repository';

/** Scheduled housekeeping of the database; the repositories it calls come from their (global) features. */
@Module({
  providers: [OneTimeTokensPurgeRepository, ExpiredRowsService],
})
export class MaintenanceModule {}
