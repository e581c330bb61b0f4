import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { DomainError, TooManyRequests } from './domain-errors';
import { ErrorBody, errorBody } from './error-body';

/** PostgreSQL error codes that mean "the database is not there right now", not "the request was bad". */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006', '57014']);
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
/**
 * The pool's and the driver's own errors carry no code: no free connection within connectionTimeoutMillis,
 * or the server went away mid-query.
 */
const POOL_UNAVAILABLE =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|timeout expired)/;

interface ErrorWithCodes {
  code?: string;
  statusCode?: number;
  driverError?: { code?: string; message?: string };
  message?: string;
}

/**
 * The one place where errors become responses: the contract's body with the request id, the domain
 * error's status, and for anything unexpected a generic 500 whose details go only to the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = request.id;
    const body = this.toBody(exception, requestId);
    if (exception instanceof TooManyRequests) reply.header('Retry-After', String(exception.retryAfterSeconds));
    if (body.statusCode === 503) reply.header('Retry-After', '1');
    if (body.statusCode >= 500) {
      this.logger.error(
        { err: withoutQueryValues(exception), requestId, method: request.method, url: request.url },
        `request failed with ${body.statusCode}`,
      );
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof DomainError) {
      return errorBody(exception.status, exception.messages ?? exception.message, requestId, exception.details);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let message: string | string[] = exception.message;
      if (typeof response === 'object' && response !== null && 'message' in response) {
        message = (response as { message: string | string[] }).message;
      } else if (typeof response === 'string') {
        message = response;
      }
      if (status >= 500) return errorBody(status, 'Internal server error', requestId);
      return errorBody(status, message, requestId);
    }
    const err = (exception ?? {}) as ErrorWithCodes;
    const pgCode = err.driverError?.code ?? err.code;
    const driverMessage = err.driverError?.message ?? err.message ?? '';
    if (
      (pgCode && UNAVAILABLE_CODES.has(pgCode)) ||
      (err.code && CONNECTION_ERRORS.has(err.code)) ||
      (!pgCode && POOL_UNAVAILABLE.test(driverMessage)) ||
      // A transaction whose connection the server dropped: it never committed.
      exception instanceof QueryRunnerAlreadyReleasedError ||
      exception instanceof QueryRunnerProviderAlreadyReleasedError
    ) {
      return errorBody(503, 'The service is temporarily unavailable; try again shortly', requestId);
    }
    if (pgCode === '22P02' || pgCode === '22021' || pgCode === '22001') {
      return errorBody(400, 'Invalid value in the request', requestId);
    }
    if (pgCode === '23505') return errorBody(409, 'The record conflicts with an existing one', requestId);
    // Fastify's own errors (bad JSON, body too large, unsupported media type) carry a 4xx statusCode.
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return errorBody(err.statusCode, fastifyMessage(err), requestId);
    }
    if (exception instanceof SyntaxError) return errorBody(400, 'Malformed JSON in the request body', requestId);
    return errorBody(500, 'Internal server error', requestId);
  }
}

function fastifyMessage(err: ErrorWithCodes): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is larger than 1 MiB';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The JSON body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case undefined:
      return 'Malformed JSON in the request body';
    default:
      return err.message ?? 'Bad request';
  }
}

/**
 * A failed query carries its SQL parameters (emails, names, token hashes): the log gets the error without
 * them.
 */
function withoutQueryValues(exception: unknown): unknown {
  if (!(exception instanceof Error) || !('parameters' in exception)) return exception;
  const { name, message, stack } = exception;
  const code = (exception as ErrorWithCodes).driverError?.code ?? (exception as ErrorWithCodes).code;
  return { name, message, code, stack };
}
