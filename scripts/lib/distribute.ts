// How the schema spreads over a Citus cluster (npm run db:distribute, npm run test:citus):
// every table of a session's data distributed by session_id in one co-location group, the small
// shared tables as reference tables (a copy on every node), the quarantine and dbmate's
// bookkeeping local to the coordinator. Idempotent: a table already placed as planned is left
// alone; each table is tried on its own, and what Citus refuses is reported, not hidden.
import { withClient } from "./db.js";

export type Placement =
  | { table: string; kind: "reference" }
  | { table: string; kind: "distributed"; column: string; colocateWith?: string }
  | { table: string; kind: "local"; why: string };

/** The plan, in the order Citus needs (reference tables and co-location anchors first). */
export const PLACEMENTS: Placement[] = [
  { table: "internal.api_keys", kind: "reference" },
  { table: "internal.api_documents", kind: "reference" },
  { table: "internal.retention_policy", kind: "reference" },
  { table: "internal.webhook_secrets", kind: "reference" },
  { table: "wa_data.error_code_effects", kind: "reference" },
  // The anchor of the co-location group: every table below shares its shards by session.
  { table: "wa_data.whatsapp_sessions", kind: "distributed", column: "session_id" },
  // Before the groups: whatever reads both (the sendable rule) needs it distributed first.
  { table: "wa_data.group_unsendable_marks", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.whatsapp_groups", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.notification_campaigns", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.notification_campaign_groups", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.message_id_locks", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.message_error_inbox", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.message_status_inbox", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  { table: "wa_data.session_dispatch", kind: "distributed", column: "session_id", colocateWith: "wa_data.whatsapp_sessions" },
  // Idempotency keys belong to a caller (an API key), not to a session: their own group.
  { table: "wa_data.idempotency_keys", kind: "distributed", column: "caller", colocateWith: "none" },
  {
    table: "wa_data.message_error_quarantine",
    kind: "local",
    why: "bodies that could not be read have no trustworthy session; kept where they arrived",
  },
  { table: "wa_data.schema_migrations", kind: "local", why: "dbmate's bookkeeping" },
];

export interface PlacementResult {
  table: string;
  kind: Placement["kind"];
  outcome: "placed" | "already" | "local" | "failed";
  error?: string;
}

/** True when the database has the citus extension. */
export const hasCitus = (url: string) =>
  withClient(
    url,
    async (c) => (await c.query("select exists (select from pg_extension where extname = 'citus') as yes")).rows[0].yes as boolean,
  );

/**
 * The API roles that read distributed tables as themselves (security_invoker views): Citus opens
 * its connections to the workers as the current user, so there they need LOGIN (the workers'
 * pg_hba admits only the coordinator). Set on each worker with DDL propagation off: propagated
 * from a worker it deadlocks, and from the coordinator it would give them LOGIN there too.
 */
export const ROLES_LOGGING_IN_ON_WORKERS = ["gateway", "crm", "ops"];
/**
 * The roles whose views Citus re-plans on the workers as the caller: a worker gets the shard query
 * as text (`… from wa_data.<table>_<shard>`), so the caller must be able to look names up in
 * wa_data there. On one server the view was resolved as its owner and ops needs no USAGE on the
 * schema (crm has it from a migration); on the workers ops does (the ops views answered
 * `permission denied for schema wa_data`). Granted per worker, like LOGIN.
 */
export const ROLES_READING_ON_WORKERS = ["crm", "ops"];
/**
 * The functions the checked-value domains' CHECKs call (internal.gateway_error_code calls
 * value_rules, the others conforms). On one server a domain's CHECK runs only when a value is
 * written, inside the RPCs, as their owner. On Citus the coordinator also converts every row a
 * worker sends back into the column's type, and a domain's input function runs its CHECK, as the
 * caller: a crm read of api.sessions answered `permission denied for function value_rules` (when
 * the connection had not yet cached the constraint as the owner, e.g. after a migrate). The API
 * roles may execute them (pure functions over the published rules, docs/design.md); granted on the
 * coordinator, Citus propagates it to the workers.
 */
export const DOMAIN_CHECK_FUNCTIONS = ["internal.conforms(text, text)", "internal.value_rules()"];

/** Our routines that PUBLIC may not execute on the coordinator, as one statement list (null: none). */
export const PUBLIC_REVOKES = `
  select string_agg(format('revoke all on routine %s from public', p.oid::regprocedure), '; ' order by p.oid) as revokes
  from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
    and not exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                    where a.grantee = 0 and a.privilege_type = 'EXECUTE')`;

/**
 * Places every table of PLACEMENTS; never stops at the first refusal (all are reported). Before:
 * the database lets triggers live on distributed tables (citus.enable_unsafe_triggers: the totals
 * trigger runs per shard, docs/citus.md; every migrate re-creates it), and the API roles may log
 * in on the workers and look names up in wa_data there (run again after adding a worker).
 */
export async function distribute(url: string): Promise<PlacementResult[]> {
  return withClient(url, async (c) => {
    const {
      rows: [{ db }],
    } = await c.query("select quote_ident(current_database()) as db");
    await c.query(`alter database ${db} set citus.enable_unsafe_triggers = on`);
    await c.query("set citus.enable_unsafe_triggers = on");
    for (const role of ROLES_LOGGING_IN_ON_WORKERS) {
      const { rows } = await c.query(
        "select nodename, nodeport, result from run_command_on_workers(format('set citus.enable_ddl_propagation = off; alter role %I login', $1::text)) where not success",
        [role],
      );
      if (rows.length) throw new Error(`could not let ${role} log in on the workers: ${JSON.stringify(rows)}`);
    }
    for (const role of ROLES_READING_ON_WORKERS) {
      const { rows } = await c.query(
        "select nodename, nodeport, result from run_command_on_workers(format('set citus.enable_ddl_propagation = off; grant usage on schema wa_data to %I', $1::text)) where not success",
        [role],
      );
      if (rows.length) throw new Error(`could not let ${role} read wa_data on the workers: ${JSON.stringify(rows)}`);
    }
    await c.query(`grant execute on function ${DOMAIN_CHECK_FUNCTIONS.join(", ")} to ${ROLES_LOGGING_IN_ON_WORKERS.join(", ")}`);
    // Function privileges as on the coordinator: a worker added later gets the functions made
    // before Citus (the checked values' rules) with PostgreSQL's default, EXECUTE for PUBLIC,
    // not the revokes the migrations made (docs/citus.md, item 25). Revoked again on every worker.
    const revokes = (await c.query<{ revokes: string | null }>(PUBLIC_REVOKES)).rows[0]?.revokes;
    if (revokes) {
      const { rows } = await c.query(
        "select nodename, nodeport, result from run_command_on_workers('set citus.enable_ddl_propagation = off; ' || $1) where not success",
        [revokes],
      );
      if (rows.length) throw new Error(`could not revoke PUBLIC's EXECUTE on the workers: ${JSON.stringify(rows)}`);
    }
    const out: PlacementResult[] = [];
    for (const p of PLACEMENTS) {
      if (p.kind === "local") {
        out.push({ table: p.table, kind: p.kind, outcome: "local" });
        continue;
      }
      const { rows } = await c.query(
        `select partmethod::text, column_to_column_name(logicalrelid, partkey) as col from pg_dist_partition
         where logicalrelid = to_regclass($1)`,
        [p.table],
      );
      const already = rows[0] && (p.kind === "reference" ? rows[0].partmethod === "n" : rows[0].col === p.column);
      if (already) {
        out.push({ table: p.table, kind: p.kind, outcome: "already" });
        continue;
      }
      try {
        if (p.kind === "reference") await c.query("select create_reference_table($1::regclass)", [p.table]);
        else
          await c.query("select create_distributed_table($1::regclass, $2, colocate_with => $3)", [
            p.table,
            p.column,
            p.colocateWith ?? "default",
          ]);
        out.push({ table: p.table, kind: p.kind, outcome: "placed" });
      } catch (e) {
        const { message, detail, hint } = e as { message: string; detail?: string; hint?: string };
        out.push({
          table: p.table,
          kind: p.kind,
          outcome: "failed",
          error: [message, detail && `DETAIL: ${detail}`, hint && `HINT: ${hint}`].filter(Boolean).join(" "),
        });
      }
    }
    return out;
  });
}
