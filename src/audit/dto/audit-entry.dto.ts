import { ApiProperty } from '@nestjs/swagger';

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'auth.login.success' }) action: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) targetId: string | null;
  @ApiProperty({ format: 'uuid' }) tenantId: string;
  @ApiProperty({ type: String, nullable: true, description: 'null once the user it concerns was erased' })
  ipAddress: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-ID of the request that wrote it' })
  requestId: string | null;
  @ApiProperty() success: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Ids and codes only, never personal data' })
  metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' }) items: AuditEntryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export const CHAIN_PROBLEMS = [
  'sequence_gap',
  'broken_link',
  'hash_mismatch',
  'personal_fields_mismatch',
  'head_mismatch',
] as const;
export type ChainProblem = (typeof CHAIN_PROBLEMS)[number];

export class AuditVerificationDto {
  @ApiProperty({ description: 'Every entry links to the one before it and hashes to its stored hash' })
  intact: boolean;
  @ApiProperty({ description: 'Entries checked (those after the latest retention checkpoint)' }) checked: number;
  @ApiProperty({ format: 'uuid', required: false, description: 'The first entry (in sequence order) that fails' })
  firstBrokenId?: string;
  @ApiProperty({
    enum: CHAIN_PROBLEMS,
    required: false,
    description:
      'sequence_gap: an entry is missing before it; broken_link: its prev_hash is not the previous hash; ' +
      'hash_mismatch: a hashed field was changed; personal_fields_mismatch: ip/user agent/request id were ' +
      'changed (other than blanked by erasure); head_mismatch: entries were removed from the end',
  })
  reason?: ChainProblem;
}
