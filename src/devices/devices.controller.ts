import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, NoApiKey } from '../common/auth/decorators';
import { TrustedDeviceIdParam, TrustedDeviceListDto, TrustedDeviceListQuery } from './dto/trusted-device.dto';
import { TrustedDevicesService } from './trusted-devices.service';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: TrustedDevicesService) {}

  @Get()
  @Authenticated()
  @NoApiKey()
  @ApiOperation({ summary: 'The caller’s trusted devices (those that skip MFA), newest first' })
  @ApiOkResponse({ type: TrustedDeviceListDto })
  list(@Query() query: TrustedDeviceListQuery): Promise<TrustedDeviceListDto> {
    return this.devices.listOwn(query);
  }

  @Delete(':id')
  @Authenticated()
  @NoApiKey()
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop trusting one of the caller’s devices: its next login asks for MFA again' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such live trusted device of the caller' })
  revoke(@Param() params: TrustedDeviceIdParam): Promise<void> {
    return this.devices.revokeOwn(params.id);
  }
}
