import { Logger } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';

/** What this service reads of pg's Pool behind TypeORM. */
export interface PgPool extends EventEmitter {
  connect(): Promise<EventEmitter & { release(err?: Error): void }>;
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The pool behind a data source (TypeORM does not expose it in its types). */
export function poolOf(dataSource: DataSource): PgPool | undefined {
  return (dataSource.driver as unknown as { master?: PgPool }).master;
}

const GUARDED = Symbol('errorListener');

/**
 * pg-pool hands a client out without an 'error' listener, and TypeORM attaches its own a microtask later.
 * When PostgreSQL shuts down, the FATAL "terminating connection" can arrive in the same packet as the last
 * answer of the client being handed out; its 'error' event then found no listener and ended the process.
 * Every client gets a listener of its own at its first checkout. It only logs: the pool and TypeORM still
 * drop the broken client, and the request using it fails like any other database outage (503).
 */
export function guardPoolClients(dataSource: DataSource): DataSource {
  const logger = new Logger('Database');
  poolOf(dataSource)?.on('acquire', (client: EventEmitter & { [GUARDED]?: true }) => {
    if (client[GUARDED]) return;
    client[GUARDED] = true;
    client.on('error', (err: Error) => logger.warn(`a database connection failed: ${err.message}`));
  });
  return dataSource;
}
