import { Global, Module } from '@nestjs/common';
import { DevicesController } from './devices.controller';
import { TrustedDevicesRepository } from './trusted-devices.repository';
import { TrustedDevicesService } from './trusted-devices.service';

@Global()
@Module({
  providers: [TrustedDevicesRepository, TrustedDevicesService],
  controllers: [DevicesController],
  exports: [TrustedDevicesService, TrustedDevicesRepository],
})
export class DevicesModule {}
