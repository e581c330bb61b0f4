import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';

export const CONSENT_DOCUMENTS = ['terms', 'privacy'] as const;
export type ConsentDocument = (typeof CONSENT_DOCUMENTS)[number];

export class AcceptConsentDto {
  @ApiProperty({ enum: CONSENT_DOCUMENTS })
  @IsIn(CONSENT_DOCUMENTS)
  document: ConsentDocument;

  @ApiProperty({ example: '2', description: "Must be the tenant's current version of the document" })
  @IsString()
  @Length(1, 64)
  version: string;
}

export class ConsentRecordDto {
  @ApiProperty({ enum: CONSENT_DOCUMENTS }) document: ConsentDocument;
  @ApiProperty({ example: '2' }) version: string;
  @ApiProperty({ format: 'date-time' }) acceptedAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'The address the acceptance came from' })
  ipAddress: string | null;
}

export class ConsentVersionsDto {
  @ApiProperty({ example: '2' }) terms: string;
  @ApiProperty({ example: '1' }) privacy: string;
}

export class ConsentStatusDto {
  @ApiProperty({ type: [ConsentRecordDto], description: 'Every acceptance, newest first' })
  consents: ConsentRecordDto[];
  @ApiProperty({ type: ConsentVersionsDto, description: "The tenant's current versions" })
  currentVersions: ConsentVersionsDto;
  @ApiProperty({ description: 'The user has not accepted the current version of every document' })
  consentRequired: boolean;
  @ApiProperty({
    enum: CONSENT_DOCUMENTS,
    isArray: true,
    description: 'Documents whose current version is not accepted',
  })
  outstanding: ConsentDocument[];
}
