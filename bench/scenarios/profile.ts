// npm run bench -- --against <ref> --profile: where the time of each hot path goes, on both builds.
// The cluster runs pg_stat_statements (track = all: the statements inside our functions too), so a
// hot path's client-side time splits into the database's top-level statements (PostgREST's
// set_config, the pre-request hook, the RPC) and what is left: HTTP and PostgREST's own work,
// which an empty RPC measures alone. Then the ACK throughput gap (wrk through PostgREST against
// pgbench calling the same function, and both with the empty RPC), and group sync through the
// client against the original flow at 1,000 and 10,000 groups, split the same way.
// Timings here carry pg_stat_statements' own overhead: ratios come from the plain A/B run.
import { createGatewayClient, compactGroup } from "../../clients/ts/src/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { repoRoot } from "../../scripts/lib/paths.js";
import { startPostgrest } from "../../scripts/lib/postgrest.js";
import { commandExists, freePort, sleep } from "../../scripts/lib/run.js";
import { mapGroups, type RawGroup } from "../baselines/ts-group-sync.js";
import { tableClient } from "../baselines/edge-function-ack.js";
import type { AbCase, AbRow } from "../lib/ab.js";
import { rpc, runAb } from "../lib/ab.js";
import { buildOf, workingTree } from "../lib/builds.js";
import { describeMachine } from "../lib/machine.js";
import { startSides, type Side, type Sides } from "../lib/sides.js";
import { median, round } from "../lib/stats.js";
import { PGBENCH_ACK, pgbenchTps, wrkRps } from "./ack-throughput.js";
import { baileysPayload } from "./group-sync.js";
import { EMPTY_RPC_SQL } from "./ceiling.js";
import { HOT_PATH_PLANS, hotPathCases } from "./hot-paths.js";

export const PROFILE_SETTINGS = [
  "shared_preload_libraries = 'pg_stat_statements'",
  "pg_stat_statements.track = all",
  "pg_stat_statements.max = 10000",
  "pg_stat_statements.track_utility = off",
];

export interface StatementCost {
  query: string;
  toplevel: boolean;
  callsPerRequest: number;
  msPerRequest: number;
}
export interface CaseProfile {
  case: string;
  sides: { side: string; clientMeanMs: number; databaseMs: number; outsideMs: number; statements: StatementCost[] }[];
}
export interface ThroughputProfile {
  side: string;
  concurrency: number;
  ackHttp: number;
  ackPgbench: number;
  emptyHttp: number;
  emptyPgbench: number;
}
export interface SyncProfile {
  groups: number;
  phase: string;
  client: { totalMs: number; compactMs: number; databaseMs: number };
  baseline: { totalMs: number; parseMapMs: number; databaseMs: number };
  ratio: number;
}
export interface ProfileResult {
  command: string;
  date: string;
  machine: Record<string, string | number>;
  a: { label: string; commit: string };
  b: { label: string; commit: string };
  cases: CaseProfile[];
  throughput: ThroughputProfile[];
  sync: SyncProfile[];
  rows: AbRow[];
}

const oneLine = (q: string) => q.replace(/\s+/g, " ").trim();

async function resetStatements(side: Side) {
  await side.db.query("select pg_stat_statements_reset()");
}

/** The statements of this side's database since the last reset, per request. */
async function statements(side: Side, requests: number): Promise<StatementCost[]> {
  const { rows } = await side.db.query(`select s.query, s.toplevel, s.calls::float8 as calls, s.total_exec_time as ms
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
    where d.datname = current_database() and s.query not like '%pg_stat_statements%'
    order by s.total_exec_time desc`);
  return rows.map((r) => ({
    query: oneLine(r.query),
    toplevel: r.toplevel,
    callsPerRequest: round(r.calls / requests, 2),
    msPerRequest: round(r.ms / requests, 3),
  }));
}

/** An RPC that does nothing: what PostgREST and the pre-request hook cost per request, alone. */
function emptyRpcCase(): AbCase {
  return {
    name: "empty RPC (PostgREST + pre-request hook only)",
    perRound: 30,
    warmup: 20,
    setup: async (side) => {
      await side.db.query(EMPTY_RPC_SQL);
      for (let i = 0; i < 100; i++) {
        const ok = await rpc(side, "bench_empty", "{}", "gateway").then(
          () => true,
          () => false,
        );
        if (ok) return true;
        await sleep(100);
      }
      throw new Error(`${side.name}: api.bench_empty never became callable`);
    },
    body: () => "{}",
    request: async (side, body) => {
      await rpc(side, "bench_empty", body, "gateway");
    },
  };
}

async function throughput(env: Sides, seconds: number): Promise<ThroughputProfile[]> {
  if (!commandExists("wrk")) return [];
  const out: ThroughputProfile[] = [];
  for (const side of env.sides) {
    for (const c of [1, 8]) {
      const row = {
        side: side.name,
        concurrency: c,
        ackHttp: round(wrkRps(side.url, side.gatewayKey, "/rpc/record_message_error", c, seconds).perSec, 0),
        ackPgbench: round(pgbenchTps(env.target, side.dbName, PGBENCH_ACK, c, seconds), 0),
        emptyHttp: round(wrkRps(side.url, side.gatewayKey, "/rpc/bench_empty", c, seconds).perSec, 0),
        emptyPgbench: round(pgbenchTps(env.target, side.dbName, "select api.bench_empty('{}');", c, seconds), 0),
      };
      console.log(
        `  throughput ${side.name} @${c}: ACK ${row.ackHttp}/s over HTTP, ${row.ackPgbench}/s pgbench; empty ${row.emptyHttp}/s over HTTP, ${row.emptyPgbench}/s pgbench`,
      );
      out.push(row);
    }
  }
  return out;
}

/** Top-level database time of this side's database since the last reset, in ms. */
async function databaseMs(side: Side): Promise<number> {
  const { rows } = await side.db.query(`select coalesce(sum(total_exec_time), 0) as ms from pg_stat_statements s
    join pg_database d on d.oid = s.dbid where d.datname = current_database() and s.toplevel
    and s.query not like '%pg_stat_statements%'`);
  return Number(rows[0].ms);
}

async function syncProfile(env: Sides, sizes: { groups: number; rounds: number }[]): Promise<SyncProfile[]> {
  const side = env.sides[0]!;
  await side.db.query(readFileSync(join(repoRoot, "bench", "sql", "baseline-role.sql"), "utf8"));
  const baselineApi = await startPostgrest({
    dbUri: await env.target.postgrestUri(side.dbName),
    jwtSecret: env.jwtSecret,
    port: await freePort(),
    poolSize: 20,
    env: { PGRST_DB_SCHEMAS: "wa_data", PGRST_DB_PRE_REQUEST: "", PGRST_DB_ROOT_SPEC: "" },
  });
  try {
    const jwt = await new SignJWT({ role: "bench_baseline" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("2h")
      .sign(new TextEncoder().encode(env.jwtSecret));
    const baseline = tableClient(baselineApi.url, jwt);
    const gateway = createGatewayClient({ url: side.url, apiKey: side.gatewayKey });
    const out: SyncProfile[] = [];
    for (const { groups: n, rounds } of sizes) {
      const phases: [string, RawGroup[]][] = [
        ["first sync", baileysPayload(n, 0)],
        ["no-change re-sync", baileysPayload(n, 0)],
        ["10% changed", baileysPayload(n, 0, Math.floor(n / 10))],
      ];
      const t: Record<string, Record<string, number[]>> = {};
      const push = (phase: string, key: string, v: number) => ((t[phase] ??= {})[key] ??= []).push(v);
      for (let r = 0; r < rounds; r++) {
        for (const [phase, groups] of phases) {
          const rawBody = JSON.stringify({ sessionId: `prof_base_${n}_${r}`, groups });
          for (const flow of r % 2 ? ["baseline", "client"] : ["client", "baseline"]) {
            await resetStatements(side);
            if (flow === "client") {
              let t0 = performance.now();
              JSON.stringify({ sessionId: "x", groups: groups.map(compactGroup) }); // what the client does before sending
              push(phase, "clientCompact", performance.now() - t0);
              t0 = performance.now();
              await gateway.syncGroups({ sessionId: `prof_client_${n}_${r}`, groups });
              push(phase, "clientTotal", performance.now() - t0);
              push(phase, "clientDb", await databaseMs(side));
            } else {
              // The original flow (bench/baselines/ts-group-sync.ts), its two parts timed apart.
              const t0 = performance.now();
              const rows = mapGroups(`prof_base_${n}_${r}`, (JSON.parse(rawBody) as { groups: RawGroup[] }).groups);
              push(phase, "baseParse", performance.now() - t0);
              const res = await baseline.from("whatsapp_groups").upsert(rows, { onConflict: "session_id,group_jid" });
              if (res.error) throw new Error(res.error.message);
              push(phase, "baseTotal", performance.now() - t0);
              push(phase, "baseDb", await databaseMs(side));
            }
          }
        }
      }
      for (const [phase] of phases) {
        const m = (k: string) => round(median(t[phase]![k]!));
        const row = {
          groups: n,
          phase,
          client: { totalMs: m("clientTotal"), compactMs: m("clientCompact"), databaseMs: m("clientDb") },
          baseline: { totalMs: m("baseTotal"), parseMapMs: m("baseParse"), databaseMs: m("baseDb") },
          ratio: round(median(t[phase]!.clientTotal!) / median(t[phase]!.baseTotal!)),
        };
        console.log(
          `  sync ${n} ${phase}: client ${row.client.totalMs} ms (compaction ${row.client.compactMs}, database ${row.client.databaseMs}); ` +
            `baseline ${row.baseline.totalMs} ms (parse+map ${row.baseline.parseMapMs}, database ${row.baseline.databaseMs}); client/baseline ${row.ratio}×`,
        );
        out.push(row);
      }
    }
    return out;
  } finally {
    await baselineApi.stop();
  }
}

export async function profileAgainst(ref: string, quick: boolean): Promise<ProfileResult> {
  const a = workingTree();
  const b = buildOf(ref);
  const env = await startSides(
    [
      { build: a, name: "A", label: a.label },
      { build: b, name: "B", label: b.label },
    ],
    PROFILE_SETTINGS,
  );
  try {
    for (const side of env.sides) await side.db.query("create extension if not exists pg_stat_statements");
    const machine = await describeMachine(env.sides[0]!.adminUrl);
    const plan = HOT_PATH_PLANS[quick ? "quick" : "full"];
    console.log(`profile (${quick ? "quick" : "full"}): A = ${a.label}, B = ${b.label}`);
    const cases: CaseProfile[] = [];
    const rows = await runAb(env.sides[0]!, env.sides[1]!, [emptyRpcCase(), ...hotPathCases(plan.perRound)], plan.rounds, {
      measuring: async () => {
        await resetStatements(env.sides[0]!);
      },
      measured: async (c, row, requests) => {
        const profile: CaseProfile = { case: c.name, sides: [] };
        for (const [side, s] of [
          [env.sides[0]!, row.a],
          [env.sides[1]!, row.b],
        ] as const) {
          if (!s) continue;
          const st = await statements(side, requests);
          const databaseMs = round(
            st.filter((x) => x.toplevel).reduce((x, y) => x + y.msPerRequest, 0),
            3,
          );
          profile.sides.push({
            side: side.name,
            clientMeanMs: s.meanMs,
            databaseMs,
            outsideMs: round(s.meanMs - databaseMs, 3),
            statements: st.slice(0, 12),
          });
        }
        cases.push(profile);
      },
    });
    // Sync first: the throughput runs leave a large inbox behind for autovacuum.
    console.log("group sync through the client against the original flow");
    const sync = await syncProfile(
      env,
      quick
        ? [{ groups: 1_000, rounds: 3 }]
        : [
            { groups: 1_000, rounds: 7 },
            { groups: 10_000, rounds: 3 },
          ],
    );
    console.log("throughput: ACKs and the empty RPC, through PostgREST (wrk) and pgbench");
    const tp = await throughput(env, quick ? 3 : 8);
    return {
      command: `npm run bench -- --against ${ref} --profile${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      machine,
      a: { label: a.label, commit: a.commit },
      b: { label: b.label, commit: b.commit },
      cases,
      throughput: tp,
      sync,
      rows,
    };
  } finally {
    await env.close();
  }
}

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export function renderProfile(p: ProfileResult): string {
  const m = p.machine;
  const perCase = p.cases
    .map((c) => {
      const sides = c.sides
        .map(
          (s) =>
            `**${s.side}** (${s.side === "A" ? p.a.label : p.b.label}): client mean ${s.clientMeanMs} ms = ` +
            `database ${s.databaseMs} ms (top-level statements) + ${s.outsideMs} ms outside it (HTTP, PostgREST, client)

${table(
  ["ms per request", "calls per request", "level", "statement"],
  s.statements.map((x) => [
    x.msPerRequest,
    x.callsPerRequest,
    x.toplevel ? "top" : "nested",
    `\`${x.query.slice(0, 140).replace(/\|/g, "\\|")}\``,
  ]),
)}`,
        )
        .join("\n\n");
      return `### ${c.case}\n\n${sides}`;
    })
    .join("\n\n");
  return `# Profile: where the time of each hot path goes

Generated by \`${p.command}\` on ${p.date}. Do not edit: re-run the command.
A = ${p.a.label}; B = ${p.b.label}. Machine: ${m.cpu}, ${m.cores} cores; ${m.postgresSettings}; PostgreSQL runs
pg_stat_statements with \`track = all\` (statements inside functions too; nested times are part of
their caller's), which costs time of its own: ratios come from the plain A/B run (RESULTS.md, section 7).

Per request: the client-side mean, the database's top-level statements (PostgREST's \`set_config\`
of the request, the pre-request hook, the RPC), and the rest outside the database (HTTP, PostgREST's
JSON and routing, the Node client). The empty RPC measures that rest alone.

## Per statement

${perCase}

## ACK throughput: PostgREST against pgbench

wrk posting single error ACKs (unknown message ids) through PostgREST, and pgbench calling the same
function over the local socket; then both with the empty RPC. Per second.

${table(
  ["side", "concurrency", "ACK via HTTP", "ACK via pgbench", "HTTP / pgbench", "empty RPC via HTTP", "empty via pgbench"],
  p.throughput.map((t) => [
    t.side,
    t.concurrency,
    t.ackHttp,
    t.ackPgbench,
    `${round((100 * t.ackHttp) / t.ackPgbench, 0)}%`,
    t.emptyHttp,
    t.emptyPgbench,
  ]),
)}

## Group sync through the client against the original flow (side A)

Realistic Baileys payloads (participant arrays included). Client: \`createGatewayClient().syncGroups\`
(compaction: the client's \`compactGroup\` over the list and \`JSON.stringify\`, timed apart). Original flow
(bench/baselines/ts-group-sync.ts): \`JSON.parse\` of the raw body and the mapping, then one bulk
upsert through PostgREST's table endpoint. Database: top-level statements of that call. Medians.

${table(
  ["groups", "phase", "client total (ms)", "compaction", "database", "original total (ms)", "parse + map", "database", "client / original"],
  p.sync.map((s) => [
    s.groups,
    s.phase,
    s.client.totalMs,
    s.client.compactMs,
    s.client.databaseMs,
    s.baseline.totalMs,
    s.baseline.parseMapMs,
    s.baseline.databaseMs,
    `${s.ratio}×`,
  ]),
)}
`;
}
