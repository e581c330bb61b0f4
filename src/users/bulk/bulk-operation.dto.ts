import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateIf,
} from 'class-validator';

export const BULK_OPERATIONS = [
  'activate',
  'deactivate',
  'suspend',
  'delete',
  'assign_role',
  'remove_role',
  'force_password_reset',
] as const;
export type BulkOperation = (typeof BULK_OPERATIONS)[number];

export const MAX_BULK_USERS = 1000;

export const ROLE_OPERATIONS: readonly BulkOperation[] = ['assign_role', 'remove_role'];

export class BulkOperationDto {
  @ApiProperty({ enum: BULK_OPERATIONS })
  @IsIn(BULK_OPERATIONS)
  operation: BulkOperation;

  @ApiProperty({
    example: ['5f0c8a7e-3b1d-4d6e-9a51-0c7a2f4e8b11'],
    type: [String],
    format: 'uuid',
    maxItems: MAX_BULK_USERS,
    description: 'Distinct user ids',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_USERS)
  @ArrayUnique({ message: 'userIds must not repeat an id' })
  @IsUUID('all', { each: true, message: 'each value in userIds must be a UUID' })
  userIds: string[];

  @ApiPropertyOptional({ example: 'helpdesk', description: 'The role name, for assign_role and remove_role' })
  @ValidateIf((o: BulkOperationDto) => ROLE_OPERATIONS.includes(o.operation))
  @IsString()
  @Length(1, 100)
  role?: string;

  @ApiPropertyOptional({ description: 'Report what would happen without changing anything', default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class BulkFailureDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'User not found' }) error: string;
}

export class BulkResultDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'Ids changed (or, in a dry run, that would be)' })
  succeeded: string[];

  @ApiProperty({ type: [BulkFailureDto] }) failed: BulkFailureDto[];

  @ApiProperty({ description: 'True when nothing was changed' }) dryRun: boolean;
}
