import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { type PgPool, poolOf } from '../database/pool-errors';

type Observer = ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']>;

/** The Prometheus registry of this process: HTTP timings, process metrics and the database pool. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /**
   * The histogram's series by method, route template and status (a bounded set: routes are templates):
   * looked up by one string, where labelling each observation would hash a label object every request.
   */
  private readonly httpSeries = new Map<string, Observer>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => poolOf(dataSource);
    const gauge = (name: string, help: string, read: (p: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          if (p) this.set(read(p));
        },
      });
    gauge('db_pool_connections_total', 'Connections open in the database pool', (p) => p.totalCount);
    gauge('db_pool_connections_idle', 'Idle connections in the database pool', (p) => p.idleCount);
    gauge('db_pool_waiting_requests', 'Queries waiting for a pool connection', (p) => p.waitingCount);
  }

  /** One answered HTTP request. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${statusCode} ${route}`;
    let series = this.httpSeries.get(key);
    if (!series) {
      series = this.httpDuration.labels({ method, route, status_code: statusCode });
      this.httpSeries.set(key, series);
    }
    series.observe(seconds);
  }
}
