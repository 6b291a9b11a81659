// npm run test:citus — the same API on a Citus cluster (issue 27): builds Citus 13.2.2 from the
// vendored source when the server has no citus.so (scripts/lib/citus.ts), starts a coordinator and
// 2 workers on this machine (PostgreSQL 15, citus preloaded, one socket directory, ports from
// CITUS_BASE_PORT, default 56400), migrates the coordinator with the unchanged migrations,
// distributes (npm run db:distribute's plan), and then, through PostgREST on the coordinator with
// the project's own client:
//   1. the flow, step by step (scripts/lib/citus-flow.ts): sync, campaigns, sends, error ACKs,
//      progress, both webhooks, lifecycle, retention, the operators' calls, totals equal rows; then
//      dispatch (scripts/lib/citus-dispatch-flow.ts): pacing settings, scheduled campaigns, claims
//      (concurrent, leases, pause, the 463 brake), where a claim's statements go, and two of the
//      client's runDispatcher loops on one session;
//   2. 16 concurrent clients over sessions on both workers (scripts/lib/citus-traffic.ts): exact
//      totals, 0 answered-2xx lost, no 5xx but the documented retryable ones;
//   3. the same ACK traffic against the coordinator and against a single-node PostgreSQL of the
//      same build (scripts/lib/citus-compare.ts): latency and throughput, for docs/scaling.md;
//   4. a third worker added and the shards rebalanced (citus_rebalance_start) while 16 clients
//      keep posting: shards on all 3 workers, 0 answered-2xx lost, totals exact;
//   5. migrate again on the distributed tables.
// Each step is reported PASS/FAIL with Citus's own error, then a JSON report (CITUS REPORT);
// exits 1 unless all pass. Not part of npm test: it takes minutes (the first build 2–7 more).
// CITUS_KEEP=1 leaves the cluster running; CITUS_ATTACH=<its directory> runs it all again on it
// (no migrate, no distribute; a worker more each time). CITUS_FLOW_ONLY=1 runs the flow alone
// (step 1; on an attached cluster after CITUS_KEEP=1: a minute per try while fixing a step).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createCrmClient, createGatewayClient, createOpsClient } from "../clients/ts/src/index.js";
import { createApiKey } from "./lib/api-keys.js";
import { measureAcks, POOL_SIZE, startSingleNode, type AckFigures, type SingleNode } from "./lib/citus-compare.js";
import { runDispatchFlow, type DispatchFigures } from "./lib/citus-dispatch-flow.js";
import { expect, runFlow, TOTALS_DIFFER, sessionsOnEveryWorker } from "./lib/citus-flow.js";
import { runTraffic, type TrafficResult } from "./lib/citus-traffic.js";
import { attachCitusCluster, ensureCitus, joinWorker, startCitusCluster, type CitusCluster } from "./lib/citus.js";
import { withClient } from "./lib/db.js";
import { distribute, type PlacementResult } from "./lib/distribute.js";
import { migrate } from "./lib/migrate.js";
import { failed, notOkByCode, type Answer } from "./lib/observed-fetch.js";
import { ensurePrerequisites } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort, sleep } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";

const DB = "app";
const CLIENTS = 16;
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
async function step(name: string, fn: () => Promise<unknown>): Promise<boolean> {
  const t = Date.now();
  try {
    const result = await fn();
    const note = typeof result === "string" ? result : undefined;
    steps.push({ step: note ? `${name} (${note})` : name, ok: true, ms: Date.now() - t });
    phase(`PASS ${name}${note ? ` (${note})` : ""}`);
    return true;
  } catch (e) {
    const err = e as { message?: string; code?: string; details?: unknown };
    const details = typeof err.details === "string" ? err.details : err.details ? JSON.stringify(err.details) : undefined;
    const error = [err.code, err.message, details].filter(Boolean).join(" | ");
    steps.push({ step: name, ok: false, error, ms: Date.now() - t });
    phase(`FAIL ${name}: ${error}`);
    return false;
  }
}

/** Worker node ports holding placements of the distributed (not reference) tables. */
const placementsByShard = (url: string) =>
  withClient(url, async (c) => {
    const { rows } = await c.query<{ shardid: string; nodeport: number }>(
      `select p.shardid::text, n.nodeport from pg_dist_placement p join pg_dist_node n using (groupid)
       join pg_dist_shard s using (shardid) join pg_dist_partition t using (logicalrelid) where t.partmethod = 'h'`,
    );
    return new Map(rows.map((r) => [r.shardid, r.nodeport]));
  });

const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
const buildSeconds = ensureCitus(binDir, phase);
const dir = process.env.CITUS_ATTACH ?? mkdtempSync(join(tmpdir(), "wa-citus-"));
const basePort = Number(process.env.CITUS_BASE_PORT ?? 56400);
let cluster: CitusCluster | undefined;
let api: Awaited<ReturnType<typeof startPostgrest>> | undefined;
let single: SingleNode | undefined;
let placements: PlacementResult[] = [];
let concurrency: TrafficResult | undefined;
const comparison: {
  citus?: AckFigures;
  singleNode?: AckFigures;
  mixedTraffic?: { events: number; singleNodeEventsPerSecond: number; citusEventsPerSecond?: number };
  ratios?: Record<string, number>;
  /** The machine's 1-minute load average when the comparison ended. */
  loadAverage?: number;
} = {};
let rebalance: Record<string, unknown> = {};
let dispatch: DispatchFigures = {};
let ok = false;
const flowOnly = new Error("CITUS_FLOW_ONLY=1: the flow only");
try {
  const attach = process.env.CITUS_ATTACH; // a cluster left running by CITUS_KEEP=1: only the traffic runs again
  if (attach) {
    cluster = attachCitusCluster(binDir, dir, basePort);
  } else {
    phase("starting a coordinator and 2 workers");
    cluster = await startCitusCluster(binDir, dir, { basePort, workers: 2, db: DB });
  }
  const url = cluster.coordinator.cluster.url(DB);
  if (!attach) {
    phase("migrating the coordinator");
    await migrate(url, { quiet: true });
    phase("distributing");
    placements = await distribute(url);
  }
  for (const p of placements.filter((r) => r.outcome === "failed")) phase(`refused: ${p.table}: ${p.error}`);
  api = await startPostgrest({
    dbUri: cluster.coordinator.cluster.urlAs("authenticator", DB),
    jwtSecret: randomSecret(),
    port: await freePort(),
    poolSize: POOL_SIZE,
    logLevel: "crit",
  });
  const apiUrl = api.url;

  // 1. The flow.
  phase("the flow, step by step");
  await runFlow({ apiUrl, adminUrl: url, run }, step);
  phase("dispatch, step by step");
  dispatch = await runDispatchFlow({ apiUrl, adminUrl: url, run }, step);
  if (process.env.CITUS_FLOW_ONLY === "1") throw flowOnly; // iterating on the flow: the rest is skipped

  // 2. 16 concurrent clients over sessions on both workers.
  const keys = {
    gatewayKey: (await createApiKey(url, "gateway", `citus-traffic-gw-${run}`)).key,
    crmKey: (await createApiKey(url, "crm", `citus-traffic-crm-${run}`)).key,
  };
  const workersNow = cluster.workers.length;
  let sessions: string[] = [];
  phase(`${CLIENTS} concurrent clients over ${2 * CLIENTS} sessions taken in turn from each worker`);
  await step(`${CLIENTS} concurrent clients: exact totals, 0 answered-2xx lost`, async () => {
    sessions = await sessionsOnEveryWorker(url, `citus_${run}_t`, 2 * CLIENTS);
    expect(sessions.length === 2 * CLIENTS, `${sessions.length} sessions found`);
    concurrency = await runTraffic({ apiUrl, adminUrl: url, ...keys, sessions, label: `T${run}`, rounds: 1, jidBase: 100_000_000 });
    phase(`traffic: ${JSON.stringify({ ...concurrency, problems: undefined })}`);
    expect(concurrency.problems.length === 0, concurrency.problems.join("; "));
    return `${concurrency.events.total} events, ${concurrency.requests} requests, ${concurrency.seconds}s, ${workersNow} workers`;
  });

  // 3. The comparison: the same ACK traffic on the coordinator and on a single node.
  await step("comparison: error ACKs on Citus and on a single-node PostgreSQL of the same build", async () => {
    phase("starting a single-node PostgreSQL (no Citus) and measuring the ACK traffic there, then on the coordinator");
    single = await startSingleNode(binDir, dir, basePort + 9, DB);
    comparison.singleNode = await measureAcks(single.apiUrl, single.url, `cmp${run}`, 200_000_000);
    // The 16 clients' traffic of step 2 (same seed, same mix) on the single node: its pace.
    const mixed = await runTraffic({
      apiUrl: single.apiUrl,
      adminUrl: single.url,
      gatewayKey: (await createApiKey(single.url, "gateway", `cmp-traffic-gw-${run}`)).key,
      crmKey: (await createApiKey(single.url, "crm", `cmp-traffic-crm-${run}`)).key,
      sessions,
      label: `T${run}`,
      rounds: 1,
      jidBase: 100_000_000,
    });
    expect(mixed.problems.length === 0, `the 16 clients on the single node: ${mixed.problems.join("; ")}`);
    await single.stop();
    single = undefined;
    comparison.citus = await measureAcks(apiUrl, url, `cmp${run}`, 200_000_000);
    const { citus: c, singleNode: s } = comparison;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    comparison.mixedTraffic = {
      events: mixed.events.total,
      singleNodeEventsPerSecond: mixed.eventsPerSecond,
      citusEventsPerSecond: concurrency?.eventsPerSecond,
    };
    comparison.loadAverage = Math.round(loadavg()[0]! * 10) / 10; // other work on the same cores skews every figure
    comparison.ratios = {
      singleAckMedianCitusOverSingle: ratio(c.singleAck.medianMs, s.singleAck.medianMs),
      singleAckP95CitusOverSingle: ratio(c.singleAck.p95Ms, s.singleAck.p95Ms),
      batchThroughputCitusOverSingle: ratio(c.batchOf100.eventsPerSecond, s.batchOf100.eventsPerSecond),
      ...(concurrency ? { mixedTrafficCitusOverSingle: ratio(concurrency.eventsPerSecond, mixed.eventsPerSecond) } : {}),
    };
    return JSON.stringify(comparison.ratios);
  });

  // 4. A third worker, and the shards rebalanced while 16 clients keep posting.
  phase("starting a worker more");
  const newWorker = cluster.addWorker();
  const sessions2 = await sessionsOnEveryWorker(url, `citus_${run}_r`, 2 * CLIENTS);
  const answers: Answer[] = [];
  let rebalancing = true;
  const before = await placementsByShard(url);
  const traffic = runTraffic({
    apiUrl,
    adminUrl: url,
    ...keys,
    sessions: sessions2,
    label: `R${run}`,
    rounds: 1,
    keepGoing: () => rebalancing,
    groups: 12, // shorter rounds: each client ends its round soon after the moves end
    jidBase: 300_000_000,
    answers,
    seed: 20261202,
  });
  let moveStart = 0;
  let moveEnd = 0;
  let moveTasks = 0;
  const moved = step(`a worker more (${newWorker.name}) added and the shards rebalanced during traffic`, async () => {
    try {
      await sleep(3000); // the clients are posting
      await joinWorker(cluster!, newWorker, DB);
      await distribute(url); // the API roles may log in on the new worker too
      moveStart = Date.now();
      const [{ job }] = await withClient(url, async (c) => (await c.query("select citus_rebalance_start() as job")).rows);
      phase(`rebalance job ${job} started`);
      let state = "";
      while (!["finished", "failed", "cancelled"].includes(state)) {
        await sleep(1000);
        const rows = await withClient(url, async (c) => (await c.query("select state::text, details from citus_rebalance_status()")).rows);
        state = rows[0]?.state ?? "none";
        if (state === "none") break;
      }
      moveEnd = Date.now();
      [{ n: moveTasks }] = await withClient(
        url,
        async (c) =>
          (
            await c.query(
              "select count(*)::int as n from pg_dist_background_task where job_id = $1 and command like '%citus_move_shard_placement%'",
              [job],
            )
          ).rows,
      );
      expect(state === "finished", `the rebalance ended ${state}`);
    } finally {
      rebalancing = false;
    }
  });
  await moved;
  const result = await traffic;
  const after = await placementsByShard(url);
  const shardsMoved = [...after].filter(([id, port]) => before.get(id) !== port).length;
  const during = answers.filter((a) => a.t >= moveStart && a.started <= (moveEnd || Date.now()));
  rebalance = {
    newWorker: newWorker.name,
    seconds: moveEnd ? Math.round((moveEnd - moveStart) / 100) / 10 : undefined,
    shardGroupMoves: moveTasks,
    shardsMoved,
    workersWithShards: new Set(after.values()).size,
    answersDuringMoves: during.length,
    errorsDuringMoves: during.filter(failed).length,
    errorsDuringMovesByCode: notOkByCode(during),
    traffic: result,
  };
  await step("after the rebalance: shards on all 3 workers, 0 answered-2xx lost, totals exact", async () => {
    phase(`rebalance: ${JSON.stringify(rebalance)}`);
    const ports = new Set(after.values());
    expect(ports.size === cluster!.workers.length, `shards on ${ports.size} of ${cluster!.workers.length} workers`);
    expect(shardsMoved > 0, "no shard moved");
    expect(
      during.some((a) => a.status >= 200 && a.status < 300),
      "no request was answered 2xx while the shards moved: the moves did not happen during traffic",
    );
    expect(result.problems.length === 0, result.problems.join("; "));
    return `${moveTasks} shard-group moves (${shardsMoved} shards) in ${rebalance.seconds}s, ${rebalance.errorsDuringMoves} errors during the moves (retried), ${result.events.total} events`;
  });
  await step("every campaign's totals still equal its rows after the moves (the flow's too)", async () => {
    const bad = await withClient(url, async (c) => (await c.query(TOTALS_DIFFER)).rows);
    expect(bad.length === 0, `totals differ: ${JSON.stringify(bad.slice(0, 3))}`);
  });

  // Reads as the API roles themselves (security-invoker views: Citus queries the workers as the
  // caller), over every shard, the new worker's too; then a write.
  const opsKey = (await createApiKey(url, "ops", `citus-ops-reads-${run}`)).key;
  const apiStillServes = async () => {
    const crm = createCrmClient({ url: apiUrl, apiKey: keys.crmKey });
    const ops = createOpsClient({ url: apiUrl, apiKey: opsKey });
    const gateway = createGatewayClient({ url: apiUrl, apiKey: keys.gatewayKey });
    const sessionsRead = await crm.listSessions();
    expect(sessionsRead.length >= sessions2.length, `${sessionsRead.length} sessions read`);
    await crm.listCampaigns({ limit: 50 });
    await ops.ackBacklog();
    await ops.errorCodes();
    const sessionId = sessions2[0]!;
    const groups = await crm.listSendableGroups(sessionId);
    await gateway.syncGroups({ sessionId, groups: groups.map((g) => ({ id: g.group_jid, subject: g.name ?? "g" })) });
    await crm.createCampaign({ name: `after ${run}`, message: "m", sessionId, groupJids: groups.slice(0, 3).map((g) => g.group_jid) });
  };
  await step("read views as crm and ops over every worker, then a sync and a campaign", apiStillServes);

  // 5. Migrate again, and the API still serves.
  await step("migrate again on the distributed tables (functions, views and the totals triggers re-applied)", () =>
    migrate(url, { quiet: true }),
  );
  await sleep(1000); // PostgREST reloads its schema cache (NOTIFY pgrst)
  await step("after the second migrate: read views as crm and ops, a sync and a campaign", apiStillServes);
  // The operator's order after adding a worker: rebalance, migrate, db:distribute. The new worker
  // got our functions with PostgreSQL's default privileges (EXECUTE for PUBLIC): migrate re-applies
  // db/functions with their revokes, db:distribute the migrations' own (docs/citus.md, item 25).
  await step("db:distribute again after the migrate", () => distribute(url));
  await step("every worker, the new one too, lets PUBLIC execute what the coordinator does, no more (item 25)", async () => {
    const publicRoutines = `select count(*) from pg_proc p where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
                              and has_function_privilege('public', p.oid, 'execute')`;
    const [coordinator, workers] = await withClient(url, async (c) => [
      (await c.query(publicRoutines)).rows[0].count as string,
      (await c.query("select nodeport, result from run_command_on_workers($1)", [publicRoutines])).rows as {
        nodeport: number;
        result: string;
      }[],
    ]);
    const differ = (workers as { nodeport: number; result: string }[]).filter((w) => w.result !== coordinator);
    expect(
      differ.length === 0,
      `PUBLIC may execute ${coordinator} of our routines on the coordinator, ${JSON.stringify(differ)} on workers`,
    );
    return `${coordinator} on every node`;
  });
  ok = placements.every((p) => p.outcome !== "failed") && steps.every((s) => s.ok);
} catch (e) {
  if (e === flowOnly) ok = steps.every((s) => s.ok);
  else console.error(e);
} finally {
  const topology = `a coordinator and ${cluster?.workers.length ?? "?"} workers on this machine (PostgreSQL 15, Citus 13.2.2), PostgREST pool ${POOL_SIZE}`;
  console.log(
    "CITUS REPORT " +
      JSON.stringify(
        {
          ok,
          buildSeconds,
          seconds: Math.round((Date.now() - t0) / 1000),
          topology,
          placements,
          steps,
          dispatch,
          concurrency,
          comparison,
          rebalance,
        },
        null,
        2,
      ),
  );
  await api?.stop();
  await single?.stop();
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
