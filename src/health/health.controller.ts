import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { RedisService } from '../cache/redis.service';
import { Public } from '../common/auth/decorators';

interface Readiness {
  status: 'ok' | 'degraded';
  details: HealthIndicatorResult;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisService,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 503 when the database does not answer. Redis down is reported as `degraded` with 200: the service
   * keeps answering (revocation checks fall back to PostgreSQL), so the instance should stay in rotation.
   */
  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: the database answers (503 if not); Redis, when configured, reported' })
  @ApiOkResponse({ description: '`ok`, or `degraded` when Redis is configured but unreachable' })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer' })
  async ready(): Promise<Readiness> {
    const result = await this.health.check([() => this.db.pingCheck('database', { timeout: 2000 })]);
    const details: HealthIndicatorResult = { ...result.details };
    if (!this.redis.enabled) return { status: 'ok', details };
    const redisUp = await this.pingRedis();
    details.redis = { status: redisUp ? 'up' : 'down' };
    return { status: redisUp ? 'ok' : 'degraded', details };
  }

  private async pingRedis(): Promise<boolean> {
    if (!this.redis.ready) return false;
    try {
      return (await this.redis.client!.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}
