import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { AppConfig } from '../config/app-config';
import { BuiltInRolesSeeder } from '../rbac/built-in-roles.seeder';
import { DEFAULT_TENANT_SLUG } from './tenant.interceptor';
import { TenantsRepository } from './tenants.repository';

/**
 * First start: the `default` tenant and, when no super admin exists anywhere, the bootstrap super admin.
 * Every start: the permission catalogue and every tenant's built-in roles brought in step with the code.
 * Idempotent, and safe when several instances start at once (an advisory lock serialises them).
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly builtInRoles: BuiltInRolesSeeder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const generated = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('dotmac.bootstrap'))`);
      let tenant = await this.tenants.findBySlug(DEFAULT_TENANT_SLUG, manager);
      if (!tenant) {
        tenant = await this.tenants.insert(manager, { slug: DEFAULT_TENANT_SLUG, name: 'Default', settings: {} });
        await this.audit.record(
          { tenantId: tenant.id, action: 'tenant.created', actorId: null, targetId: tenant.id, targetType: 'tenant' },
          manager,
        );
      }
      await this.builtInRoles.seedAll(manager);
      const [{ count }] = await manager.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM users_v2 WHERE user_type = 'super_admin' AND deleted_at IS NULL`,
      );
      if (count > 0) return undefined;

      const { username, email } = this.config.bootstrapAdmin;
      const password = this.config.bootstrapAdmin.password ?? randomBytes(18).toString('base64url');
      const [{ id }] = await manager.query<{ id: string }[]>(
        `INSERT INTO users_v2 (tenant_id, username, email, first_name, last_name, user_type, status, email_verified)
         VALUES ($1, $2, $3, 'Platform', 'Administrator', 'super_admin', 'active', true) RETURNING id`,
        [tenant.id, username, email],
      );
      await manager.query(`INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash) VALUES ($1, $2, $3)`, [
        id,
        tenant.id,
        await this.hasher.hash(password),
      ]);
      await this.audit.record(
        { tenantId: tenant.id, action: 'user.created', actorId: null, targetId: id, metadata: { bootstrap: true } },
        manager,
      );
      return this.config.bootstrapAdmin.password ? undefined : password;
    });
    if (generated) {
      // The only time this password is ever shown; it is stored as a bcrypt hash.
      this.logger.warn(
        `Created the bootstrap super admin "${this.config.bootstrapAdmin.username}" in tenant "${DEFAULT_TENANT_SLUG}" ` +
          `with the generated password: ${generated} — sign in and change it now; it will not be shown again.`,
      );
    }
  }
}
