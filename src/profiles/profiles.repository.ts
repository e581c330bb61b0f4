import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UserContactInfo } from './entities/user-contact-info.entity';
import { UserPreferences } from './entities/user-preferences.entity';
import { UserProfile } from './entities/user-profile.entity';

export interface ProfileParts {
  profile: UserProfile | null;
  contactInfo: UserContactInfo | null;
  preferences: UserPreferences | null;
}

/** Column values to write: a key present with `null` clears the column, a key absent leaves it alone. */
export type ColumnChanges = Record<string, string | boolean | null | Record<string, unknown>>;

/** The three side tables of an account; rows are created on first write. Every query names the tenant. */
@Injectable()
export class ProfilesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async load(
    tenantId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ProfileParts> {
    const [profile, contactInfo, preferences] = await Promise.all([
      manager.getRepository(UserProfile).findOneBy({ tenantId, userId }),
      manager.getRepository(UserContactInfo).findOneBy({ tenantId, userId }),
      manager.getRepository(UserPreferences).findOneBy({ tenantId, userId }),
    ]);
    return { profile, contactInfo, preferences };
  }

  /**
   * Writes the given columns of one side table, inserting its row when the user has none yet.
   * `table` and the column names come from the fixed maps of ProfilesService, never from a request.
   */
  async upsert(
    manager: EntityManager,
    table: 'user_profiles_v2' | 'user_contact_info_v2' | 'user_preferences_v2',
    tenantId: string,
    userId: string,
    changes: ColumnChanges,
  ): Promise<void> {
    const columns = Object.keys(changes);
    if (columns.length === 0) return;
    const values = columns.map((c) => {
      const v = changes[c];
      return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
    });
    const placeholders = columns.map((_, i) => `$${i + 3}`);
    await manager.query(
      `INSERT INTO ${table} (user_id, tenant_id, ${columns.join(', ')}) VALUES ($1, $2, ${placeholders.join(', ')})
       ON CONFLICT (user_id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
       WHERE ${table}.tenant_id = EXCLUDED.tenant_id`,
      [userId, tenantId, ...values],
    );
  }
}
