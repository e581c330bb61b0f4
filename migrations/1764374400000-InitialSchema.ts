import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole schema of the service. Every tenant-owned row carries `tenant_id`, every unique index leads
 * with it, and every foreign key to a user also names the tenant, so that a row can never point across a
 * tenant boundary.
 */
export class InitialSchema1764374400000 implements MigrationInterface {
  name = 'InitialSchema1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);

    // unaccent() is only STABLE (it reads a dictionary); an index needs an IMMUTABLE function, so the
    // dictionary is named explicitly, which makes the result fixed for a given input.
    await q.query(`
      CREATE FUNCTION dm_search_text(VARIADIC parts text[]) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
      $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, array_to_string(parts, ' '))) $$`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$')
      )`);
    await q.query(`CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)`);

    await q.query(`
      CREATE TABLE users_v2 (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        username text NOT NULL,
        email text NOT NULL,
        first_name text NOT NULL DEFAULT '',
        last_name text NOT NULL DEFAULT '',
        user_type text NOT NULL CHECK (user_type IN
          ('super_admin', 'platform_admin', 'tenant_admin', 'reseller', 'technician', 'support', 'customer')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'suspended', 'inactive', 'deleted')),
        status_reason text,
        email_verified boolean NOT NULL DEFAULT false,
        email_verified_at timestamptz,
        failed_login_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        last_login_ip text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        erased_at timestamptz,
        search_text text GENERATED ALWAYS AS (dm_search_text(username, email, first_name, last_name)) STORED,
        UNIQUE (tenant_id, id)
      )`);
    // A soft-deleted account frees its username and email, as an administrator of Keycloak would expect.
    await q.query(
      `CREATE UNIQUE INDEX users_v2_tenant_username_key ON users_v2 (tenant_id, lower(username)) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX users_v2_tenant_email_key ON users_v2 (tenant_id, lower(email)) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE INDEX users_v2_search_trgm ON users_v2 USING gin (tenant_id, search_text gin_trgm_ops)`);
    await q.query(`CREATE INDEX users_v2_tenant_created ON users_v2 (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX users_v2_tenant_username ON users_v2 (tenant_id, lower(username), id)`);
    await q.query(`CREATE INDEX users_v2_tenant_email ON users_v2 (tenant_id, lower(email), id)`);
    await q.query(`CREATE INDEX users_v2_tenant_last_name ON users_v2 (tenant_id, lower(last_name), id)`);
    await q.query(`CREATE INDEX users_v2_tenant_last_login ON users_v2 (tenant_id, last_login_at, id)`);
    await q.query(`CREATE INDEX users_v2_tenant_type_status ON users_v2 (tenant_id, user_type, status)`);

    const userFk = (table: string) =>
      `CONSTRAINT ${table}_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users_v2 (tenant_id, id) ON DELETE CASCADE`;

    await q.query(`
      CREATE TABLE user_profiles_v2 (
        user_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        display_name text,
        avatar_url text,
        bio text,
        job_title text,
        department text,
        timezone text,
        locale text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('user_profiles_v2')}
      )`);

    // Each *_enc column holds `v1.<keyId>.<iv>.<tag>.<ciphertext>` (AES-256-GCM), never the clear value.
    await q.query(`
      CREATE TABLE user_contact_info_v2 (
        user_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        phone_enc text,
        mobile_phone_enc text,
        address_line1_enc text,
        address_line2_enc text,
        city_enc text,
        state_enc text,
        postal_code_enc text,
        country_enc text,
        date_of_birth_enc text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('user_contact_info_v2')}
      )`);

    await q.query(`
      CREATE TABLE user_preferences_v2 (
        user_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        language text,
        theme text,
        notify_email boolean NOT NULL DEFAULT true,
        notify_sms boolean NOT NULL DEFAULT false,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('user_preferences_v2')}
      )`);

    await q.query(`
      CREATE TABLE user_passwords_v2 (
        user_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        password_hash text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        must_change boolean NOT NULL DEFAULT false,
        ${userFk('user_passwords_v2')}
      )`);

    await q.query(`
      CREATE TABLE password_history_v2 (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('password_history_v2')}
      )`);
    await q.query(`CREATE INDEX password_history_v2_user ON password_history_v2 (tenant_id, user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE user_sessions_v2 (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        refresh_token_hash text NOT NULL,
        previous_refresh_token_hash text,
        rotated_at timestamptz,
        rotation_counter integer NOT NULL DEFAULT 0,
        ip_address text,
        user_agent text,
        device jsonb,
        device_id text,
        location jsonb,
        restriction text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_active_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ${userFk('user_sessions_v2')}
      )`);
    await q.query(`CREATE UNIQUE INDEX user_sessions_v2_refresh_key ON user_sessions_v2 (refresh_token_hash)`);
    await q.query(
      `CREATE INDEX user_sessions_v2_previous_refresh ON user_sessions_v2 (previous_refresh_token_hash) WHERE previous_refresh_token_hash IS NOT NULL`,
    );
    await q.query(`CREATE INDEX user_sessions_v2_user ON user_sessions_v2 (tenant_id, user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE user_mfa_v2 (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        method text NOT NULL CHECK (method IN ('totp', 'sms', 'email')),
        secret_enc text,
        destination_enc text,
        enabled boolean NOT NULL DEFAULT false,
        last_used_step bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        enabled_at timestamptz,
        ${userFk('user_mfa_v2')},
        UNIQUE (tenant_id, user_id, method)
      )`);

    await q.query(`
      CREATE TABLE mfa_backup_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('mfa_backup_codes')}
      )`);
    await q.query(`CREATE INDEX mfa_backup_codes_user ON mfa_backup_codes (tenant_id, user_id) WHERE used_at IS NULL`);

    await q.query(`
      CREATE TABLE user_api_keys_v2 (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('user_api_keys_v2')}
      )`);
    await q.query(`CREATE UNIQUE INDEX user_api_keys_v2_hash_key ON user_api_keys_v2 (key_hash)`);
    await q.query(`CREATE INDEX user_api_keys_v2_user ON user_api_keys_v2 (tenant_id, user_id)`);

    await q.query(`
      CREATE TABLE permissions (
        name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$'),
        description text NOT NULL DEFAULT ''
      )`);

    await q.query(`
      CREATE TABLE roles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        description text,
        built_in boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX roles_tenant_name_key ON roles (tenant_id, lower(name))`);

    await q.query(`
      CREATE TABLE role_permissions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        role_id uuid NOT NULL,
        permission text NOT NULL REFERENCES permissions(name),
        PRIMARY KEY (tenant_id, role_id, permission),
        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE user_roles (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        role_id uuid NOT NULL,
        granted_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id, role_id),
        ${userFk('user_roles')},
        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX user_roles_role ON user_roles (tenant_id, role_id)`);

    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        email text NOT NULL,
        user_type text NOT NULL,
        roles text[] NOT NULL DEFAULT '{}',
        token_hash text NOT NULL,
        invited_by uuid,
        user_id uuid,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash)`);
    await q.query(`CREATE INDEX invitations_tenant_email ON invitations (tenant_id, lower(email))`);

    // Email verification, password reset and one-time MFA codes: hashed, expiring, single use, attempt-limited.
    await q.query(`
      CREATE TABLE one_time_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('email_verification', 'password_reset', 'mfa_code')),
        token_hash text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('one_time_tokens')}
      )`);
    await q.query(`CREATE UNIQUE INDEX one_time_tokens_hash_key ON one_time_tokens (purpose, token_hash)`);
    await q.query(
      `CREATE INDEX one_time_tokens_user ON one_time_tokens (tenant_id, user_id, purpose, created_at DESC)`,
    );

    await q.query(`
      CREATE TABLE trusted_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        token_hash text NOT NULL,
        device_id text,
        device jsonb,
        ip_address text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        ${userFk('trusted_devices')}
      )`);
    await q.query(`CREATE UNIQUE INDEX trusted_devices_token_key ON trusted_devices (token_hash)`);
    await q.query(`CREATE INDEX trusted_devices_user ON trusted_devices (tenant_id, user_id)`);

    await q.query(`
      CREATE TABLE user_consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL,
        document text NOT NULL CHECK (document IN ('terms', 'privacy')),
        version text NOT NULL,
        ip_address text,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        ${userFk('user_consents')}
      )`);
    await q.query(`CREATE INDEX user_consents_user ON user_consents (tenant_id, user_id, document, accepted_at DESC)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        actor_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, actor_id, key)
      )`);

    // One append-only, hash-chained trail per tenant. Authentication events live in it too, so that one
    // chain covers everything; auth_audit_v2 is the seed's name for their view.
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        seq bigint NOT NULL,
        action text NOT NULL,
        actor_id uuid,
        target_id uuid,
        target_type text,
        ip_address text,
        user_agent text,
        request_id text,
        success boolean NOT NULL DEFAULT true,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        prev_hash text NOT NULL,
        hash text NOT NULL,
        pii_digest text NOT NULL,
        UNIQUE (tenant_id, seq)
      )`);
    await q.query(
      `CREATE TABLE audit_heads (tenant_id uuid PRIMARY KEY REFERENCES tenants(id), seq bigint NOT NULL, hash text NOT NULL)`,
    );

    // The hash of an entry covers the previous entry's hash and every field except the personal ones (ip,
    // user agent, request id), which it covers through pii_digest: erasure can blank them and the chain
    // still verifies.
    await q.query(`
      CREATE FUNCTION dm_audit_hash(prev text, tenant uuid, seq bigint, action text, actor uuid, target uuid,
        target_type text, success boolean, metadata jsonb, created_at timestamptz, pii_digest text)
      RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT encode(sha256(convert_to(concat_ws('|', prev, tenant::text, seq::text, action,
          coalesce(actor::text, '-'), coalesce(target::text, '-'), coalesce(target_type, '-'), success::text,
          metadata::text, floor(extract(epoch FROM created_at) * 1000000)::bigint::text, pii_digest), 'UTF8')), 'hex')
      $$`);
    // Appending takes the tenant's head row lock, so entries of one tenant get gap-free sequence numbers
    // and each links to the one before it, even under concurrent transactions; one round trip.
    await q.query(`
      CREATE FUNCTION dm_audit_append(p_tenant uuid, p_action text, p_actor uuid, p_target uuid, p_target_type text,
        p_ip text, p_user_agent text, p_request_id text, p_success boolean, p_metadata jsonb)
      RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE
        v_seq bigint;
        v_prev text;
        v_hash text;
        v_id uuid := gen_random_uuid();
        v_at timestamptz := date_trunc('microseconds', clock_timestamp());
        v_digest text := encode(sha256(convert_to(concat_ws('|', coalesce(p_ip, ''), coalesce(p_user_agent, ''),
          coalesce(p_request_id, '')), 'UTF8')), 'hex');
      BEGIN
        INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (p_tenant, 0, 'genesis') ON CONFLICT DO NOTHING;
        SELECT seq, hash INTO v_seq, v_prev FROM audit_heads WHERE tenant_id = p_tenant FOR UPDATE;
        v_seq := v_seq + 1;
        v_hash := dm_audit_hash(v_prev, p_tenant, v_seq, p_action, p_actor, p_target, p_target_type, p_success,
          coalesce(p_metadata, '{}'::jsonb), v_at, v_digest);
        INSERT INTO audit_log (id, tenant_id, seq, action, actor_id, target_id, target_type, ip_address, user_agent,
          request_id, success, metadata, created_at, prev_hash, hash, pii_digest)
        VALUES (v_id, p_tenant, v_seq, p_action, p_actor, p_target, p_target_type, p_ip, p_user_agent, p_request_id,
          p_success, coalesce(p_metadata, '{}'::jsonb), v_at, v_prev, v_hash, v_digest);
        UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE tenant_id = p_tenant;
        RETURN v_id;
      END $$`);
    await q.query(`CREATE INDEX audit_log_tenant_created ON audit_log (tenant_id, created_at DESC, seq DESC)`);
    await q.query(`CREATE INDEX audit_log_tenant_actor ON audit_log (tenant_id, actor_id, created_at DESC)`);
    await q.query(`CREATE INDEX audit_log_tenant_target ON audit_log (tenant_id, target_id, created_at DESC)`);
    await q.query(`CREATE INDEX audit_log_tenant_action ON audit_log (tenant_id, action, created_at DESC)`);
    await q.query(`CREATE VIEW auth_audit_v2 AS SELECT * FROM audit_log WHERE action LIKE 'auth.%'`);

    // The trail is append-only for everyone, the application's role included. Only the retention purge may
    // delete, and only by setting dm.audit_purge inside its own transaction.
    await q.query(`
      CREATE FUNCTION dm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('dm.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION dm_audit_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION dm_audit_append_only()`);

    await q.query(`
      CREATE TABLE audit_checkpoints (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        seq bigint NOT NULL,
        hash text NOT NULL,
        purged_count bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_checkpoints',
      'idempotency_keys',
      'user_consents',
      'trusted_devices',
      'one_time_tokens',
      'invitations',
      'user_roles',
      'role_permissions',
      'roles',
      'permissions',
      'user_api_keys_v2',
      'mfa_backup_codes',
      'user_mfa_v2',
      'user_sessions_v2',
      'password_history_v2',
      'user_passwords_v2',
      'user_preferences_v2',
      'user_contact_info_v2',
      'user_profiles_v2',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP VIEW IF EXISTS auth_audit_v2`);
    await q.query(`DROP TABLE IF EXISTS audit_log`);
    await q.query(`DROP TABLE IF EXISTS audit_heads`);
    await q.query(`DROP FUNCTION IF EXISTS dm_audit_append_only()`);
    await q.query(
      `DROP FUNCTION IF EXISTS dm_audit_append(uuid, text, uuid, uuid, text, text, text, text, boolean, jsonb)`,
    );
    await q.query(
      `DROP FUNCTION IF EXISTS dm_audit_hash(text, uuid, bigint, text, uuid, uuid, text, boolean, jsonb, timestamptz, text)`,
    );
    await q.query(`DROP TABLE IF EXISTS users_v2`);
    await q.query(`DROP TABLE IF EXISTS tenants`);
    await q.query(`DROP FUNCTION IF EXISTS dm_search_text(text[])`);
  }
}
