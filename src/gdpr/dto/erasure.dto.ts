import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class EraseSelfDto {
  @ApiProperty({ example: 'correct horse battery staple', description: 'The current password, to confirm' })
  @IsString()
  @Length(1, 1024)
  password: string;
}

export class ErasureResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['deleted'] }) status: 'deleted';
  @ApiProperty({ format: 'date-time', description: 'When the personal data was erased (the first erasure)' })
  erasedAt: string;
}
