import { Global, Module } from '@nestjs/common';
import { ConsentService } from './consent.service';
import { ConsentsRepository } from './consents.repository';
import { DataExportService } from './data-export.service';
import { ErasureService } from './erasure.service';
import { GdprController } from './gdpr.controller';
import { PersonalDataRepository } from './personal-data.repository';

/** Consent records, personal-data export and erasure. ConsentService is what login asks about consent. */
@Global()
@Module({
  controllers: [GdprController],
  providers: [ConsentsRepository, ConsentService, PersonalDataRepository, DataExportService, ErasureService],
  exports: [ConsentService],
})
export class GdprModule {}
