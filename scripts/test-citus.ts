// npm run test:citus — the same API on a Citus cluster (issue 27): builds Citus 13.2.2 from the
// vendored source when the server has no citus.so (scripts/lib/citus.ts), starts a coordinator and
// 2 workers on this machine (PostgreSQL 15, citus preloaded, one socket directory, ports from
// CITUS_BASE_PORT, default 56400), migrates the coordinator with the unchanged migrations,
// distributes (npm run db:distribute's plan), and runs the gateway/CRM flow through PostgREST on
// the coordinator with the project's own client: sync, campaign, send records, error ACKs (single,
// batched, early), delivery progress, lifecycle, then checks totals against rows. Each step is
// reported passed or failed with Citus's own error; exits 1 unless all pass. Not part of npm test:
// it takes minutes (the first build 2–7 of them). CITUS_KEEP=1 leaves the cluster running;
// CITUS_ATTACH=<its directory> runs the flow again on it (no migrate, no distribute).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCrmClient, createGatewayClient } from "../clients/ts/src/index.js";
import { jidFrom } from "../test/support/jids.js";
import { createApiKey } from "./lib/api-keys.js";
import { applyPrototype, applyPrototypeFunctions } from "./lib/citus-prototype.js";
import { attachCitusCluster, ensureCitus, startCitusCluster, type CitusCluster } from "./lib/citus.js";
import { withClient } from "./lib/db.js";
import { distribute, type PlacementResult } from "./lib/distribute.js";
import { migrate } from "./lib/migrate.js";
import { ensurePrerequisites } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";

// CITUS_PROTOTYPE=1: with the changes docs/citus.md marks "proved" (not for merging as they are).
const prototype = process.env.CITUS_PROTOTYPE === "1";
const SESSIONS = 6; // spread over both workers (checked below)
const GROUPS = 20;
const DB = "app";
// Names of this run (a run on an attached cluster must not meet the last one's).
const run = Date.now().toString(36);

const t0 = Date.now();
const phase = (what: string) => console.log(`[citus +${Math.round((Date.now() - t0) / 1000)}s] ${what}`);

interface Step {
  step: string;
  ok: boolean;
  error?: string;
  ms: number;
}
const steps: Step[] = [];
async function step(name: string, fn: () => Promise<unknown>) {
  const t = Date.now();
  try {
    const result = await fn();
    const note = typeof result === "string" ? result : undefined;
    steps.push({ step: note ? `${name} (${note})` : name, ok: true, ms: Date.now() - t });
    phase(`PASS ${name}`);
  } catch (e) {
    const err = e as { message?: string; code?: string; details?: string };
    const error = [err.code, err.message, err.details].filter(Boolean).join(" | ");
    steps.push({ step: name, ok: false, error, ms: Date.now() - t });
    phase(`FAIL ${name}: ${error}`);
  }
}
const expect = (cond: boolean, what: string) => {
  if (!cond) throw new Error(what);
};

const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
const buildSeconds = ensureCitus(binDir, phase);
const dir = process.env.CITUS_ATTACH ?? mkdtempSync(join(tmpdir(), "wa-citus-"));
let cluster: CitusCluster | undefined;
let api: Awaited<ReturnType<typeof startPostgrest>> | undefined;
let placements: PlacementResult[] = [];
let ok = false;
try {
  const basePort = Number(process.env.CITUS_BASE_PORT ?? 56400);
  const attach = process.env.CITUS_ATTACH; // a cluster left running by CITUS_KEEP=1: only the flow runs again
  if (attach) {
    cluster = attachCitusCluster(dir, basePort, 2);
  } else {
    phase("starting a coordinator and 2 workers");
    cluster = await startCitusCluster(binDir, dir, { basePort, workers: 2, db: DB });
  }
  const url = cluster.coordinator.cluster.url(DB);
  if (!attach) {
    phase("migrating the coordinator");
    await migrate(url, { quiet: true });
    if (prototype) {
      phase("CITUS PROTOTYPE: applying docs/citus.md's proved changes (scripts/lib/citus-prototype.ts)");
      await applyPrototype(url);
    }
    phase("distributing");
    placements = await distribute(url);
  }
  for (const p of placements.filter((r) => r.outcome === "failed")) phase(`refused: ${p.table}: ${p.error}`);
  api = await startPostgrest({
    dbUri: cluster.coordinator.cluster.urlAs("authenticator", DB),
    jwtSecret: randomSecret(),
    port: await freePort(),
    poolSize: 10,
    logLevel: "crit",
  });
  const gateway = createGatewayClient({ url: api.url, apiKey: (await createApiKey(url, "gateway", `citus-gateway-${run}`)).key });
  const crm = createCrmClient({ url: api.url, apiKey: (await createApiKey(url, "crm", `citus-crm-${run}`)).key });
  const q = (sql: string, p: unknown[] = []) => withClient(url, async (c) => (await c.query(sql, p)).rows);

  const sessions = Array.from({ length: SESSIONS }, (_, s) => ({
    sessionId: `citus_${run}_s${s}`,
    jids: Array.from({ length: GROUPS }, (_, i) => jidFrom(10_000_000 * (s + 1) + i)),
    campaignId: 0,
  }));
  const msgId = (s: number, i: number) => `CITUS${run}S${s}X${i}`.toUpperCase();

  await step("sessions spread over both workers", async () => {
    const nodes = await q(
      `select count(distinct n.nodeport)::int as n from unnest($1::text[]) sid,
      lateral get_shard_id_for_distribution_column('wa_data.whatsapp_sessions', sid) shard
      join pg_dist_placement p on p.shardid = shard join pg_dist_node n using (groupid)`,
      [sessions.map((s) => s.sessionId)],
    );
    expect(nodes[0].n === 2, `the sessions' shards are on ${nodes[0].n} node(s)`);
  });
  await step("a read view as crm (Citus connects to the workers as crm)", async () => {
    await crm.listSessions();
  });
  await step("sync_groups", async () => {
    for (const s of sessions) {
      const r = await gateway.syncGroups({ sessionId: s.sessionId, groups: s.jids.map((id) => ({ id, subject: `g ${id}` })) });
      expect(JSON.stringify(r).length > 0, "no answer");
    }
    const [{ n }] = await q("select count(*)::int as n from wa_data.whatsapp_groups where session_id like $1", [`citus_${run}_%`]);
    expect(n === SESSIONS * GROUPS, `${n} groups stored`);
  });
  await step("create_campaign", async () => {
    for (const s of sessions) {
      s.campaignId = (
        await crm.createCampaign({ name: `citus ${s.sessionId}`, message: "m", sessionId: s.sessionId, groupJids: s.jids })
      ).campaignId;
    }
  });
  await step("early error ACK (before its send)", async () => {
    const r = await gateway.recordMessageError({
      event: "message_error",
      sessionId: sessions[0]!.sessionId,
      messageId: msgId(0, 0),
      groupJid: sessions[0]!.jids[0]!,
      errorCode: 420,
    });
    expect(r.results[0]?.outcome === "pending_match", `outcome ${JSON.stringify(r.results)}`);
  });
  await step("record_message_sent", async () => {
    for (const [si, s] of sessions.entries()) {
      await crm.recordMessageSent({
        campaignId: s.campaignId,
        sends: s.jids.map((groupJid, i) => ({ groupJid, messageId: msgId(si, i) })),
      });
    }
  });
  await step("error ACK (single)", async () => {
    const r = await gateway.recordMessageError({
      event: "message_error",
      sessionId: sessions[1]!.sessionId,
      messageId: msgId(1, 1),
      groupJid: sessions[1]!.jids[1]!,
      errorCode: 420,
    });
    expect(r.results[0]?.outcome === "applied", `outcome ${JSON.stringify(r.results)}`);
  });
  await step("error ACKs (batched, two sessions)", async () => {
    const events = [2, 3].flatMap((s) =>
      [2, 3, 4].map((i) => ({
        event: "message_error" as const,
        sessionId: sessions[s]!.sessionId,
        messageId: msgId(s, i),
        groupJid: sessions[s]!.jids[i]!,
        errorCode: 420,
      })),
    );
    const r = await gateway.recordMessageError(events);
    expect(
      r.results.every((x) => x.outcome === "applied"),
      `outcomes ${JSON.stringify(r.results)}`,
    );
  });
  await step("delivery progress", async () => {
    await gateway.recordMessageStatus(
      sessions.map((s, si) => ({ sessionId: s.sessionId, messageId: msgId(si, 10), status: "delivered" as const })),
    );
  });
  await step("campaign read back", async () => {
    const c = await crm.getCampaign(sessions[1]!.campaignId);
    expect(c.failed_count === 1 && c.sent_count === GROUPS - 1, `campaign ${JSON.stringify(c)}`);
  });
  await step("cancel a campaign", async () => {
    const s = sessions[5]!;
    const extra = (await crm.createCampaign({ name: "to cancel", message: "m", sessionId: s.sessionId, groupJids: s.jids.slice(0, 5) }))
      .campaignId;
    await crm.cancelCampaign(extra);
  });
  await step("totals equal rows", async () => {
    const bad = await q(`select c.id, c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.delivered_count, c.cancelled_count,
        count(g.id)::int as rows, count(*) filter (where g.status = 'sent')::int as sent,
        count(*) filter (where g.status = 'failed')::int as failed, count(*) filter (where g.status = 'pending')::int as pending,
        count(*) filter (where g.status = 'cancelled')::int as cancelled, count(g.delivered_at)::int as delivered
      from wa_data.notification_campaigns c left join wa_data.notification_campaign_groups g
        on g.campaign_id = c.id and g.session_id = c.session_id
      group by c.id, c.session_id having c.total_groups <> count(g.id) or c.sent_count <> count(*) filter (where g.status = 'sent')
        or c.failed_count <> count(*) filter (where g.status = 'failed') or c.pending_count <> count(*) filter (where g.status = 'pending')
        or c.cancelled_count <> count(*) filter (where g.status = 'cancelled') or c.delivered_count <> count(g.delivered_at)`);
    expect(bad.length === 0, `totals differ: ${JSON.stringify(bad)}`);
    const [{ n }] = await q("select count(*)::int as n from wa_data.notification_campaigns");
    expect(n > 0, "no campaigns");
  });
  await step("migrate again on the distributed tables (functions, views and the totals triggers re-applied)", async () => {
    await migrate(url, { quiet: true });
    if (prototype) await applyPrototypeFunctions(url);
  });
  ok = placements.every((p) => p.outcome !== "failed") && steps.every((s) => s.ok);
} catch (e) {
  console.error(e);
} finally {
  console.log("CITUS REPORT " + JSON.stringify({ ok, prototype, buildSeconds, placements, steps }, null, 2));
  await api?.stop();
  if (process.env.CITUS_KEEP !== "1" && !process.env.CITUS_ATTACH) {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  } else if (cluster) {
    console.error(
      `kept the cluster running in ${dir}: coordinator ${cluster.coordinator.cluster.url(DB)}` +
        ` (stop: pg_ctl -D <dir>/<node> stop, for coordinator, ${cluster.workers.map((w) => w.name).join(", ")})`,
    );
  }
}
process.exit(ok ? 0 : 1);
