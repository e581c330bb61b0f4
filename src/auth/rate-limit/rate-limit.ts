import { ExecutionContext, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyRequests } from '../../common/errors/domain-errors';

/**
 * The contract's two per-ip limits: `login` (RATE_LIMIT_LOGIN_PER_MINUTE: login, MFA challenge, refresh)
 * and `public` (RATE_LIMIT_PUBLIC_PER_MINUTE: register, verify, forgot, reset, invitation accept).
 */
export type RateLimitClass = 'login' | 'public';
export const RATE_LIMIT_CLASSES: readonly RateLimitClass[] = ['login', 'public'];

export const RATE_LIMIT = Reflector.createDecorator<RateLimitClass>();

const reflector = new Reflector();

/** The limit class a route declared with @RateLimit(), if any. */
export function rateLimitClassOf(context: ExecutionContext): RateLimitClass | undefined {
  return reflector.get(RATE_LIMIT, context.getHandler());
}

/** 429 with Retry-After in the contract's error body, instead of the throttler's own exception. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyRequests(
      `Too many requests from your address; try again in ${detail.timeToBlockExpire} seconds`,
      detail.timeToBlockExpire,
    );
  }
}

/**
 * Limits a route per client ip (and per route) in fixed one-minute windows. Any module's route may use it
 * (the throttler's options and storage are global).
 */
export const RateLimit = (limitClass: RateLimitClass) =>
  applyDecorators(
    RATE_LIMIT(limitClass),
    UseGuards(RateLimitGuard),
    ApiResponse({ status: 429, description: 'Too many attempts from this address; see Retry-After' }),
  );
