import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../common/auth/decorators';
import { AuditTrailService } from './audit-trail.service';
import { AuditPageDto, AuditVerificationDto } from './dto/audit-entry.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly trail: AuditTrailService) {}

  @Get()
  @RequirePermissions('audit:read')
  @ApiOperation({ summary: "Search the acting tenant's audit trail, newest first" })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ description: 'A filter is not a UUID, a date, an action pattern, or a page within range' })
  search(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.trail.search(query);
  }

  @Get('verify')
  @RequirePermissions('audit:read')
  @ApiOperation({ summary: "Verify the acting tenant's hash chain and report where it breaks" })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.trail.verify();
  }
}
