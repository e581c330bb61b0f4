import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Appending an audit entry used to take the tenant's chain head lock and hold it until commit (WAL flush
 * included), so every audited write of a tenant ran one at a time: about 735 appends/s per tenant at most.
 * The chain is now built after the fact:
 *
 * - dm_audit_append is a plain INSERT. The entry commits or rolls back with the change it records and is
 *   readable at once; its seq, prev_hash and hash stay NULL ("appended, not yet sealed").
 * - dm_audit_seal gives the oldest unsealed entries of a tenant (in (created_at, id) order) the next
 *   sequence numbers and links them, under the head lock. The application calls it every 200 ms. Chain order
 *   is sealing order; created_at stays the time of the append.
 *
 * The hash inputs are unchanged, so chains sealed before and after this migration verify the same way.
 */
/** The append function of InitialSchema, restored by down(). */
const LOCKING_APPEND = `
  CREATE OR REPLACE FUNCTION dm_audit_append(p_tenant uuid, p_action text, p_actor uuid, p_target uuid,
    p_target_type text, p_ip text, p_user_agent text, p_request_id text, p_success boolean, p_metadata jsonb)
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
  END $$`;

/** The trigger function of AuditErasure, restored by down(). */
const TRIGGER_WITHOUT_SEALING = `
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
  END $$`;

export class AuditSealing1764374900000 implements MigrationInterface {
  name = 'AuditSealing1764374900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL`);
    await q.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_sealed_whole
      CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL))`);
    // What the sealer reads: only the entries still waiting, oldest first, so it stays small.
    await q.query(`CREATE INDEX audit_log_unsealed ON audit_log (tenant_id, created_at, id) WHERE seq IS NULL`);
    // GET /audit orders newest first with the id as tie-breaker: seq is NULL until sealing, and an order that
    // changed when an entry is sealed would shift entries between pages.
    await q.query(`DROP INDEX audit_log_tenant_created`);
    await q.query(`CREATE INDEX audit_log_tenant_created ON audit_log (tenant_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE OR REPLACE FUNCTION dm_audit_append(p_tenant uuid, p_action text, p_actor uuid, p_target uuid,
        p_target_type text, p_ip text, p_user_agent text, p_request_id text, p_success boolean, p_metadata jsonb)
      RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE
        v_id uuid;
      BEGIN
        INSERT INTO audit_log (tenant_id, action, actor_id, target_id, target_type, ip_address, user_agent,
          request_id, success, metadata, created_at, pii_digest)
        VALUES (p_tenant, p_action, p_actor, p_target, p_target_type, p_ip, p_user_agent, p_request_id, p_success,
          coalesce(p_metadata, '{}'::jsonb), date_trunc('microseconds', clock_timestamp()),
          encode(sha256(convert_to(concat_ws('|', coalesce(p_ip, ''), coalesce(p_user_agent, ''),
            coalesce(p_request_id, '')), 'UTF8')), 'hex'))
        RETURNING id INTO v_id;
        RETURN v_id;
      END $$`);

    // One sealer per tenant at a time: the head row lock. Another background sealer finds it taken and
    // returns 0 at once (p_wait false); a caller that must see everything sealed (verify, purge) waits.
    // The entries are locked with SKIP LOCKED as well, so an erasure blanking one of them is never waited
    // for while the head is held (that entry is sealed on the next call) and the two cannot deadlock.
    // dm.audit_seal is on only while this function runs (the SET clause restores it on return or error).
    await q.query(`
      CREATE FUNCTION dm_audit_seal(p_tenant uuid, p_limit int, p_wait boolean DEFAULT false)
      RETURNS int LANGUAGE plpgsql SET dm.audit_seal = 'on' AS $$
      DECLARE
        v_seq bigint;
        v_prev text;
        v_ids uuid[] := '{}';
        v_seqs bigint[] := '{}';
        v_prevs text[] := '{}';
        v_hashes text[] := '{}';
        v_sealed int;
        e record;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM audit_heads WHERE tenant_id = p_tenant) THEN
          INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (p_tenant, 0, 'genesis') ON CONFLICT DO NOTHING;
        END IF;
        IF p_wait THEN
          SELECT seq, hash INTO v_seq, v_prev FROM audit_heads WHERE tenant_id = p_tenant FOR UPDATE;
        ELSE
          SELECT seq, hash INTO v_seq, v_prev FROM audit_heads WHERE tenant_id = p_tenant FOR UPDATE SKIP LOCKED;
          IF NOT FOUND THEN
            RETURN 0;
          END IF;
        END IF;
        FOR e IN
          SELECT id, action, actor_id, target_id, target_type, success, metadata, created_at, pii_digest
            FROM audit_log WHERE tenant_id = p_tenant AND seq IS NULL
           ORDER BY created_at, id LIMIT p_limit
             FOR UPDATE SKIP LOCKED
        LOOP
          v_seq := v_seq + 1;
          v_ids := v_ids || e.id;
          v_seqs := v_seqs || v_seq;
          v_prevs := v_prevs || v_prev;
          v_prev := dm_audit_hash(v_prev, p_tenant, v_seq, e.action, e.actor_id, e.target_id, e.target_type,
            e.success, e.metadata, e.created_at, e.pii_digest);
          v_hashes := v_hashes || v_prev;
        END LOOP;
        v_sealed := cardinality(v_ids);
        IF v_sealed = 0 THEN
          RETURN 0;
        END IF;
        UPDATE audit_log a SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash
          FROM unnest(v_ids, v_seqs, v_prevs, v_hashes) AS s(id, seq, prev_hash, hash)
         WHERE a.id = s.id AND a.tenant_id = p_tenant AND a.seq IS NULL;
        UPDATE audit_heads SET seq = v_seq, hash = v_prev WHERE tenant_id = p_tenant;
        RETURN v_sealed;
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION dm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('dm.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' AND current_setting('dm.audit_seal', true) = 'on' THEN
          -- Sealing only fills in the chain columns of an entry that has none, and changes nothing else.
          IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
             AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
             AND to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash' = to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_log sealing may only set seq, prev_hash and hash of an unsealed entry'
            USING ERRCODE = 'insufficient_privilege';
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
  }

  async down(q: QueryRunner): Promise<void> {
    // The old schema has no place for an unsealed entry: writers wait while everything appended so far is
    // sealed, then the chain columns become NOT NULL again.
    await q.query(`LOCK TABLE audit_log IN EXCLUSIVE MODE`);
    await q.query(
      `SELECT dm_audit_seal(tenant_id, 2147483647, true) FROM audit_log WHERE seq IS NULL GROUP BY tenant_id`,
    );
    await q.query(TRIGGER_WITHOUT_SEALING);
    await q.query(`DROP FUNCTION dm_audit_seal(uuid, int, boolean)`);
    await q.query(LOCKING_APPEND);
    await q.query(`DROP INDEX audit_log_tenant_created`);
    await q.query(`CREATE INDEX audit_log_tenant_created ON audit_log (tenant_id, created_at DESC, seq DESC)`);
    await q.query(`DROP INDEX audit_log_unsealed`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_sealed_whole`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL`);
  }
}
