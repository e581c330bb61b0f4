import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GDPR erasure needs one narrow way to change audit rows: blanking the personal request fields (ip, user
 * agent, request id) of entries about an erased user. The entry hash covers them only through pii_digest,
 * so such an UPDATE leaves every hashed value, and the chain, untouched. The trigger allows exactly that,
 * and only inside a transaction that set dm.audit_erase; every other UPDATE is still refused.
 *
 * Checkpoints left by the retention purge are what the chain is verified from after a purge, so they are
 * append-only as well.
 *
 * dm_audit_hash is declared STABLE (what concat_ws is) instead of IMMUTABLE: PostgreSQL inlines a SQL
 * function only when it calls nothing more volatile than it is declared, and inlined it makes GET /audit/verify
 * over a whole chain about twice as fast. The result is the same for the same inputs; no index uses it.
 */
const HASH_SIGNATURE = `dm_audit_hash(text, uuid, bigint, text, uuid, uuid, text, boolean, jsonb, timestamptz, text)`;

export class AuditErasure1764374800000 implements MigrationInterface {
  name = 'AuditErasure1764374800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION ${HASH_SIGNATURE} STABLE`);
    await q.query(`
      CREATE OR REPLACE FUNCTION dm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('dm.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' AND current_setting('dm.audit_erase', true) = 'on' THEN
          -- Every column but the three personal ones must stay as it was (new columns included), and those
          -- three may only become NULL.
          IF NEW.ip_address IS NULL AND NEW.user_agent IS NULL AND NEW.request_id IS NULL
             AND to_jsonb(NEW) - 'ip_address' - 'user_agent' - 'request_id'
               = to_jsonb(OLD) - 'ip_address' - 'user_agent' - 'request_id' THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_log erasure may only blank ip_address, user_agent and request_id'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`
      CREATE FUNCTION dm_audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_checkpoints is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION dm_audit_checkpoints_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION dm_audit_checkpoints_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION ${HASH_SIGNATURE} IMMUTABLE`);
    await q.query(`DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints`);
    await q.query(`DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints`);
    await q.query(`DROP FUNCTION IF EXISTS dm_audit_checkpoints_append_only()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION dm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('dm.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }
}
