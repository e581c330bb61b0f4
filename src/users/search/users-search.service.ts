import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RequestContext } from '../../common/context/request-context';
import { BadInput } from '../../common/errors/domain-errors';
import { UserRolesService } from '../user-roles.service';
import { toUserSummaryDto } from '../users.mapper';
import { SearchCursorCodec } from './search-cursor';
import { SearchCriteria, queryWords } from './search-query';
import { DEFAULT_PAGE_SIZE, SearchUsersDto, UserPageDto } from './search-users.dto';
import { SearchRow, UsersSearchRepository } from './users-search.repository';

const MAX_WORDS = 10;

/** POST /users/search: filters, substring query, offset pages and keyset cursors; always in the acting tenant. */
@Injectable()
export class UsersSearchService {
  constructor(
    private readonly search: UsersSearchRepository,
    private readonly roles: UserRolesService,
    private readonly cursors: SearchCursorCodec,
    private readonly context: RequestContext,
  ) {}

  async run(dto: SearchUsersDto): Promise<UserPageDto> {
    const tenantId = this.context.tenantId;
    const criteria = toCriteria(dto);
    const pageSize = dto.pageSize ?? DEFAULT_PAGE_SIZE;
    if (dto.cursor !== undefined && dto.page !== undefined) throw new BadInput('Send either page or cursor, not both');
    const digest = searchDigest(criteria);

    let page: number;
    let rowsPromise: Promise<SearchRow[]>;
    if (dto.cursor !== undefined) {
      const position = this.cursors.decode(dto.cursor);
      if (position.search !== digest) {
        throw new BadInput('cursor belongs to another search: send it with the same query, filters and sort');
      }
      page = position.page;
      rowsPromise = this.search.byKeyset(tenantId, criteria, pageSize + 1, position);
    } else {
      page = dto.page ?? 1;
      rowsPromise = this.search.byOffset(tenantId, criteria, pageSize + 1, (page - 1) * pageSize);
    }
    const [rows, total] = await Promise.all([rowsPromise, this.search.count(tenantId, criteria)]);

    const pageRows = rows.slice(0, pageSize);
    const last = pageRows[pageRows.length - 1];
    const nextCursor =
      rows.length > pageSize && last
        ? this.cursors.encode({ search: digest, key: last.sortKey, id: last.user.id, page: page + 1 })
        : null;
    const roles = await this.roles.namesByUser(
      tenantId,
      pageRows.map((r) => r.user.id),
    );
    return {
      items: pageRows.map((r) => toUserSummaryDto(r.user, roles.get(r.user.id) ?? [])),
      total,
      page,
      pageSize,
      nextCursor,
    };
  }
}

function toCriteria(dto: SearchUsersDto): SearchCriteria {
  const words = queryWords(dto.query);
  if (words.length > MAX_WORDS) throw new BadInput(`query may have at most ${MAX_WORDS} words`);
  const criteria: SearchCriteria = {
    words,
    userType: dto.userType,
    status: dto.status,
    isActive: dto.isActive,
    role: dto.role,
    createdFrom: date(dto.createdFrom),
    createdTo: date(dto.createdTo),
    lastLoginFrom: date(dto.lastLoginFrom),
    lastLoginTo: date(dto.lastLoginTo),
    sortBy: dto.sortBy ?? 'createdAt',
    sortOrder: dto.sortOrder ?? 'desc',
  };
  if (criteria.createdFrom && criteria.createdTo && criteria.createdFrom > criteria.createdTo) {
    throw new BadInput('createdFrom must not be after createdTo');
  }
  if (criteria.lastLoginFrom && criteria.lastLoginTo && criteria.lastLoginFrom > criteria.lastLoginTo) {
    throw new BadInput('lastLoginFrom must not be after lastLoginTo');
  }
  return criteria;
}

function date(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

/** What a cursor is bound to: the same words, filters and sort (the page size may change between pages). */
function searchDigest(c: SearchCriteria): string {
  const canonical = JSON.stringify([
    c.words,
    c.userType ?? null,
    c.status ?? null,
    c.isActive ?? null,
    c.role?.toLowerCase() ?? null,
    c.createdFrom?.toISOString() ?? null,
    c.createdTo?.toISOString() ?? null,
    c.lastLoginFrom?.toISOString() ?? null,
    c.lastLoginTo?.toISOString() ?? null,
    c.sortBy,
    c.sortOrder,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}
