import { ApiProperty } from '@nestjs/swagger';

/** The contract's error body, as every 4xx/5xx answer carries it (see ErrorBody). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ description: "The status code's standard reason phrase", example: 'Bad Request' })
  error: string;

  @ApiProperty({
    description: 'What went wrong; a list when several fields are invalid',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['email must be an email address'],
  })
  message: string | string[];

  @ApiProperty({
    description: 'Also in the X-Request-ID header; quote it when reporting a problem',
    example: '3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f',
  })
  requestId: string;
}
