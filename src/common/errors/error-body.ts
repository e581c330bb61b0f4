import { STATUS_CODES } from 'node:http';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string | undefined;
  [extra: string]: unknown;
}

export function errorBody(
  statusCode: number,
  message: string | string[],
  requestId: string | undefined,
  details?: Record<string, unknown>,
): ErrorBody {
  return { ...details, statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}
