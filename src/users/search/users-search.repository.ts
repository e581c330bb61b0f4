import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { User } from '../entities/user.entity';
import { Keyset, SearchCriteria, SqlQuery, countQuery, keysetQueries, offsetQuery } from './search-query';

/** Every column of the user entity, aliased to its property, so that rows become entities without a mapping table. */
export function userColumns(dataSource: DataSource): string {
  return dataSource
    .getMetadata(User)
    .columns.map((c) => `u.${c.databaseName} AS "${c.propertyName}"`)
    .join(', ');
}

export interface SearchRow {
  user: User;
  sortKey: string | null;
}

/** Runs the searches that search-query.ts builds; always within one tenant. */
@Injectable()
export class UsersSearchRepository {
  private readonly columns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.columns = userColumns(dataSource);
  }

  async count(tenantId: string, criteria: SearchCriteria): Promise<number> {
    const { sql, params } = countQuery(tenantId, criteria);
    const [row] = await this.dataSource.query<{ total: number }[]>(sql, params);
    return row.total;
  }

  byOffset(tenantId: string, criteria: SearchCriteria, limit: number, offset: number): Promise<SearchRow[]> {
    return this.run(offsetQuery(tenantId, criteria, this.columns, limit, offset));
  }

  async byKeyset(tenantId: string, criteria: SearchCriteria, limit: number, after: Keyset): Promise<SearchRow[]> {
    const rows: SearchRow[] = [];
    for (const query of keysetQueries(tenantId, criteria, this.columns, limit, after)) {
      rows.push(...(await this.run(query)));
      if (rows.length >= limit) break;
    }
    return rows.slice(0, limit);
  }

  private async run({ sql, params }: SqlQuery): Promise<SearchRow[]> {
    const rows = await this.dataSource.query<(Record<string, unknown> & { sortKey: string | null })[]>(sql, params);
    const repo = this.dataSource.getRepository(User);
    return rows.map(({ sortKey, ...columns }) => ({ user: repo.create(columns as Partial<User>), sortKey }));
  }
}
