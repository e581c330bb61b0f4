import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { BadInput } from '../../common/errors/domain-errors';
import { AppConfig } from '../../config/app-config';

/** Where the next page starts: after the row with this sort key and id, within one particular search. */
export interface CursorPosition {
  /** A digest of the search it belongs to (filters, query, sort). */
  search: string;
  /** The sort key of the last row returned (text as PostgreSQL printed it), null for a NULL key. */
  key: string | null;
  id: string;
  /** The number of the page it leads to. */
  page: number;
}

const INVALID = 'cursor is not valid: send the nextCursor of a previous answer unchanged';

/**
 * Cursors are signed (HMAC-SHA256 with a key derived from JWT_SECRET), so a client cannot forge a
 * position: a cursor this service did not issue is refused with 400.
 */
@Injectable()
export class SearchCursorCodec {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.jwtSecret, Buffer.alloc(0), 'dotmac/users/search-cursor/v1', 32));
  }

  encode(position: CursorPosition): string {
    const body = Buffer.from(JSON.stringify([position.search, position.key, position.id, position.page])).toString(
      'base64url',
    );
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  decode(cursor: string): CursorPosition {
    const dot = cursor.indexOf('.');
    if (dot <= 0) throw new BadInput(INVALID);
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = this.sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new BadInput(INVALID);
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (
      !Array.isArray(parsed) ||
      typeof parsed[0] !== 'string' ||
      (parsed[1] !== null && typeof parsed[1] !== 'string') ||
      typeof parsed[2] !== 'string' ||
      typeof parsed[3] !== 'number'
    ) {
      throw new BadInput(INVALID);
    }
    return { search: parsed[0], key: parsed[1] as string | null, id: parsed[2], page: parsed[3] };
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}
