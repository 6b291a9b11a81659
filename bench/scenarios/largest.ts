// npm run bench -- --largest: every endpoint's largest legal call (internal.limits(): 100,000
// groups synced, a 100,000-group campaign, 10,000 sends, 1,000 ACKs, 1,000 progress events), then
// four at once (4 × 10,000 sends beside 16 × 1,000 ACKs), on one database in each of four states
// of its statistics and plan cache, idle and with two CPU-bound processes beside it:
//   fresh    — just migrated: no ANALYZE yet, new connections;
//   young    — small campaigns created, sent, ACKed and progressed through PostgREST's pooled
//              connections first (the cached plans of those connections were built on tiny tables:
//              the reproduction of issue 36);
//   analysed — the same traffic, then ANALYZE of every table before the large calls;
//   stale    — ANALYZE taken on small tables, then a 100× data change without another one
//              (autovacuum off for the run, as between two autovacuum rounds).
// Each call's time, and each condition's slowest statements inside our functions
// (pg_stat_statements, track = all), go to bench/results.largest.json and bench/RESULTS.md.
// The budget (issue 36): ≤ 10 s a call on an idle machine, within the roles' statement timeout
// (30 s) loaded; a 500 (57014: statement timeout) or any non-2xx answer is a failure.
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { createApiKey } from "../../scripts/lib/api-keys.js";
import { withSearchPath } from "../../scripts/lib/db.js";
import { migrate } from "../../scripts/lib/migrate.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { testTarget, type Target } from "../../scripts/lib/target.js";
import { jidFrom } from "../../test/support/jids.js";
import { round } from "../lib/stats.js";

export const CONDITIONS = ["fresh", "young", "analysed", "stale"] as const;
export type Condition = (typeof CONDITIONS)[number];

export interface LargestCall {
  condition: Condition;
  loaded: boolean;
  call: string;
  ms: number;
  status: number;
  ok: boolean;
}
export interface LargestStatement {
  condition: Condition;
  loaded: boolean;
  query: string;
  calls: number;
  maxMs: number;
  totalMs: number;
}
export interface LargestResult {
  command: string;
  date: string;
  calls: LargestCall[];
  statements: LargestStatement[];
}

const SETTINGS = [
  "shared_preload_libraries = 'pg_stat_statements'",
  "pg_stat_statements.track = all",
  "pg_stat_statements.max = 10000",
  "pg_stat_statements.track_utility = off",
];

const TABLES = [
  "wa_data.whatsapp_groups",
  "wa_data.notification_campaigns",
  "wa_data.notification_campaign_groups",
  "wa_data.message_error_inbox",
  "wa_data.message_status_inbox",
  "wa_data.message_id_locks",
  "wa_data.whatsapp_sessions",
];

interface World {
  target: Target;
  db: pg.Pool;
  api: RunningPostgrest;
  gatewayKey: string;
  crmKey: string;
}

/** Two CPU-bound processes (`yes > /dev/null`), as a busy machine has. */
function cpuHogs(): ChildProcess[] {
  return [0, 1].map(() => spawn("sh", ["-c", "exec yes > /dev/null"], { stdio: "ignore" }));
}

async function call(w: World, name: string, body: unknown, key: "gateway" | "crm") {
  const t = performance.now();
  const res = await fetch(`${w.api.url}/rpc/${name}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-api-key": key === "gateway" ? w.gatewayKey : w.crmKey },
  });
  const text = await res.text();
  const ms = performance.now() - t;
  const json = res.status === 200 ? JSON.parse(text) : { error: text.slice(0, 300) };
  return { status: res.status, ms, json };
}

const jids = (session: number, from: number, n: number) => Array.from({ length: n }, (_, i) => jidFrom(session * 1_000_000 + from + i));

/** Small campaigns through the pooled connections: every RPC's plans get cached on tiny tables. */
async function smallTraffic(w: World, rounds: number) {
  await Promise.all(
    Array.from({ length: rounds }, async (_, k) => {
      const sessionId = `small_${k}`;
      const groups = jids(900 + k, 0, 5);
      await call(w, "sync_groups", { sessionId, groups: groups.map((id) => ({ id, subject: "g", size: 3 })) }, "gateway");
      const c = await call(w, "create_campaign", { name: "small", message: "hi", sessionId, groupJids: groups }, "crm");
      const campaignId = c.json.campaignId;
      await call(
        w,
        "record_message_sent",
        { campaignId, sends: groups.map((groupJid, i) => ({ groupJid, messageId: `S${k}M${i}` })) },
        "crm",
      );
      await call(
        w,
        "record_message_error",
        {
          events: groups
            .slice(0, 2)
            .map((groupJid, i) => ({ event: "message_error", sessionId, messageId: `S${k}M${i}`, groupJid, errorCode: 420 })),
        },
        "gateway",
      );
      await call(
        w,
        "record_message_status",
        { events: groups.slice(2).map((groupJid, i) => ({ sessionId, messageId: `S${k}M${i + 2}`, groupJid, status: "delivered" })) },
        "gateway",
      );
    }),
  );
}

async function world(): Promise<World> {
  const target = await testTarget({ settings: SETTINGS });
  await migrate(target.adminUrl, { quiet: true });
  const db = new pg.Pool({ connectionString: target.adminUrl, max: 4, ...withSearchPath() });
  await db.query("create extension if not exists pg_stat_statements");
  const api = await startPostgrest({ dbUri: await target.postgrestUri(), jwtSecret: randomSecret(), port: await freePort(), poolSize: 20 });
  return {
    target,
    db,
    api,
    gatewayKey: (await createApiKey(target.adminUrl, "gateway", "largest-gateway")).key,
    crmKey: (await createApiKey(target.adminUrl, "crm", "largest-crm")).key,
  };
}

async function close(w: World) {
  await w.api.stop();
  await w.db.end();
  await w.target.teardown();
}

async function slowestStatements(w: World, condition: Condition, loaded: boolean): Promise<LargestStatement[]> {
  const { rows } = await w.db.query(`select s.query, s.calls::int, s.max_exec_time as max, s.total_exec_time as total
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
    where d.datname = current_database() and not s.toplevel and s.query not like '%pg_stat_statements%'
    order by s.max_exec_time desc limit 6`);
  return rows.map((r) => ({
    condition,
    loaded,
    query: r.query.replace(/\s+/g, " ").trim().slice(0, 240),
    calls: r.calls,
    maxMs: round(r.max),
    totalMs: round(r.total),
  }));
}

/** One condition: a new world, brought into its state, then the largest calls, then four at once. */
export async function largestCalls(
  condition: Condition,
  loaded: boolean,
): Promise<{ calls: LargestCall[]; statements: LargestStatement[] }> {
  const w = await world();
  const calls: LargestCall[] = [];
  const hogs: ChildProcess[] = [];
  const record = (name: string, r: { status: number; ms: number }) => {
    const row = { condition, loaded, call: name, ms: round(r.ms), status: r.status, ok: r.status === 200 };
    calls.push(row);
    console.log(`  largest, ${condition}${loaded ? ", loaded" : ""}: ${name} ${row.ms} ms (${r.status})`);
  };
  try {
    if (condition === "young" || condition === "analysed") await smallTraffic(w, 24);
    if (condition === "stale") {
      for (const t of TABLES) await w.db.query(`alter table ${t} set (autovacuum_enabled = off)`);
      await smallTraffic(w, 24);
      await w.db.query(`analyze ${TABLES.join(", ")}`);
      // A 100× change: 24 sessions of 5 groups analysed, then 12,000 more groups in 24 sessions.
      for (let k = 0; k < 24; k++) {
        const groups = jids(800 + k, 0, 500);
        await call(w, "sync_groups", { sessionId: `bulk_${k}`, groups: groups.map((id) => ({ id, subject: "g", size: 3 })) }, "gateway");
      }
    }
    if (condition === "analysed") await w.db.query(`analyze ${TABLES.join(", ")}`);
    await w.db.query("select pg_stat_statements_reset()");
    if (loaded) hogs.push(...cpuHogs());

    const sessionId = "largest";
    const all = jids(1, 0, 100_000);
    record(
      "sync_groups: 100,000 groups",
      await call(
        w,
        "sync_groups",
        { sessionId, groups: all.map((id) => ({ id, subject: `Group ${id.slice(-9, -5)}`, size: 12 })) },
        "gateway",
      ),
    );
    const big = await call(w, "create_campaign", { name: "largest", message: "x".repeat(4096), sessionId, groupJids: all }, "crm");
    record("create_campaign: 100,000 groups", big);
    // Five campaigns of 10,000 for the sends (one alone, then four at once).
    const campaigns: { id: number; targets: string[] }[] = [];
    for (let c = 0; c < 5; c++) {
      const targets = all.slice(c * 10_000, (c + 1) * 10_000);
      const r = await call(w, "create_campaign", { name: `largest ${c}`, message: "hello", sessionId, groupJids: targets }, "crm");
      if (c === 0) record("create_campaign: 10,000 groups", r);
      campaigns.push({ id: r.json.campaignId, targets });
    }
    const campaign = (c: number) => {
      const found = campaigns[c];
      if (!found) throw new Error(`largest: campaign ${c} was not created`);
      return found;
    };
    const sends = (c: number) => ({
      campaignId: campaign(c).id,
      sends: campaign(c).targets.map((groupJid, i) =>
        i % 2 ? { groupJid, messageId: `C${c}M${i}` } : { groupJid, errorCode: 463, errorMessage: "e".repeat(4000) },
      ),
    });
    record("record_message_sent: 10,000 sends", await call(w, "record_message_sent", sends(0), "crm"));
    const acks = (c: number, from: number) => ({
      events: Array.from({ length: 1000 }, (_, i) => ({
        event: "message_error",
        sessionId,
        messageId: `C${c}M${2 * (from + i) + 1}`,
        groupJid: campaign(c).targets[2 * (from + i) + 1],
        errorCode: 420,
        errorMessage: "r".repeat(4000),
      })),
    });
    record("record_message_error: 1,000 ACKs", await call(w, "record_message_error", acks(0, 0), "gateway"));
    record(
      "record_message_status: 1,000 events",
      await call(
        w,
        "record_message_status",
        {
          events: Array.from({ length: 1000 }, (_, i) => ({
            sessionId,
            messageId: `C0M${2 * (1000 + i) + 1}`,
            groupJid: campaign(0).targets[2 * (1000 + i) + 1],
            status: "read",
          })),
        },
        "gateway",
      ),
    );
    // Four at once: 4 × 10,000 sends beside 16 × 1,000 ACKs (for messages not recorded yet: they
    // wait in the inbox, and the sends apply them).
    const t = performance.now();
    const together = await Promise.all([
      ...[1, 2, 3, 4].map((c) => call(w, "record_message_sent", sends(c), "crm")),
      ...Array.from({ length: 16 }, (_, k) =>
        call(w, "record_message_error", acks(1 + (k % 4), (1000 * Math.floor(k / 4)) % 5000), "gateway"),
      ),
    ]);
    const worst = together.reduce((a, b) => (b.status !== 200 || b.ms > a.ms ? b : a));
    record("4 × 10,000 sends beside 16 × 1,000 ACKs (slowest)", worst);
    console.log(
      `    all 20 answered in ${round(performance.now() - t)} ms; statuses ${[...new Set(together.map((r) => r.status))].join(", ")}`,
    );
    const totals = await w.db.query(`select count(*)::int as bad from wa_data.notification_campaigns c
      where c.total_groups <> (select count(*) from wa_data.notification_campaign_groups g where g.session_id = c.session_id and g.campaign_id = c.id)`);
    if (totals.rows[0].bad !== 0) throw new Error(`largest, ${condition}: totals differ from rows`);
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
  }
  const statements = await slowestStatements(w, condition, loaded);
  await close(w);
  return { calls, statements };
}

export async function largest(loadedToo: boolean, only?: Condition[]): Promise<LargestResult> {
  const calls: LargestCall[] = [];
  const statements: LargestStatement[] = [];
  for (const loaded of loadedToo ? [false, true] : [false]) {
    for (const condition of only ?? CONDITIONS) {
      const r = await largestCalls(condition, loaded);
      calls.push(...r.calls);
      statements.push(...r.statements);
    }
  }
  return { command: "npm run bench -- --largest", date: new Date().toISOString(), calls, statements };
}
