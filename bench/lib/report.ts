// bench/RESULTS.md (RESULTS.quick.md) from the recorded results: the full run's scenarios
// (results.json), the A/B runs against other builds (results.ab.json, one entry per build) and
// the volume runs (results.volume.json, one entry per history size).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";
import type { AbRow } from "./ab.js";
import type { AbResult } from "../scenarios/ab-against.js";
import type { VolumeResult } from "../scenarios/volume.js";
import type { LargestResult } from "../scenarios/largest.js";
import type { AckLatencyRow } from "../scenarios/ack-latency.js";
import type { ThroughputRow } from "../scenarios/ack-throughput.js";
import type { CreationRow } from "../scenarios/campaign-creation.js";
import type { TriggerRow } from "../scenarios/totals-trigger.js";
import type { StaleRow } from "../scenarios/stale-statistics.js";
import type { BatchThroughputRow } from "../scenarios/ack-throughput.js";
import type { SyncRow } from "../scenarios/group-sync.js";
import type { ScopedRow } from "../scenarios/scoped-keys.js";
import type { DispatchRow } from "../scenarios/dispatch.js";
import type { CeilingRow } from "../scenarios/ceiling.js";

interface Results {
  command: string;
  date: string;
  mode: string;
  plan?: unknown;
  machine: Record<string, string | number>;
  latency: AckLatencyRow[];
  throughput: ThroughputRow[];
  sync: SyncRow[];
  creation: CreationRow[];
  trigger?: TriggerRow[];
  stale?: StaleRow[];
  batchThroughput?: BatchThroughputRow;
  scoped?: ScopedRow[];
  /** When scenario 9 was run again on its own (`npm run bench -- --scoped-keys`). */
  scopedRun?: { command: string; date: string; mode: string };
  dispatch?: DispatchRow[];
  /** When scenario 11 ran (`npm run bench -- --dispatch`, on its own). */
  dispatchRun?: { command: string; date: string; mode: string };
  ceiling?: CeilingRow[];
  /** When scenario 12 ran on its own (`npm run bench -- --ceiling`). */
  ceilingRun?: { command: string; date: string; mode: string };
}

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

type Kind = "main" | "ab" | "volume" | "largest";
const file = (kind: Kind, quick: boolean) =>
  join(repoRoot, "bench", `results${kind === "main" ? "" : `.${kind}`}${quick ? ".quick" : ""}.json`);
const read = <T>(kind: Kind, quick: boolean): T | undefined =>
  existsSync(file(kind, quick)) ? (JSON.parse(readFileSync(file(kind, quick), "utf8")) as T) : undefined;

/** Records a run: the main one replaces results.json; A/B runs (per pair of builds) and volume runs (per size) replace their own entry. */
const abKey = (r: AbResult) => `${r.a.commit.slice(0, 12)}..${r.b.commit.slice(0, 12)}`;

/** The last full (or quick) run of `npm run bench`, to update one of its sections. */
export const readResults = (quick: boolean) => read<Results>("main", quick);

export function saveResults(kind: Kind, quick: boolean, data: Results | AbResult | VolumeResult | LargestResult) {
  let out: unknown = data;
  // One entry per pair of builds compared: a later run of the same pair replaces it.
  if (kind === "ab") out = { ...read<Record<string, AbResult>>(kind, quick), [abKey(data as AbResult)]: data };
  if (kind === "volume") out = { ...read<Record<string, VolumeResult>>(kind, quick), [String((data as VolumeResult).campaignRows)]: data };
  writeFileSync(file(kind, quick), JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${file(kind, quick)}`);
}

export function writeReport(quick: boolean) {
  const md = join(repoRoot, "bench", `RESULTS${quick ? ".quick" : ""}.md`);
  const main = read<Results>("main", quick);
  const ab = Object.values(read<Record<string, AbResult>>("ab", quick) ?? {});
  const volume = Object.values(read<Record<string, VolumeResult>>("volume", quick) ?? {});
  writeFileSync(md, renderResults(main, ab, volume, read<LargestResult>("largest", quick)));
  console.log(`wrote ${md}`);
}

const ms = (x?: { medianMs: number; p95Ms: number }) => (x ? [x.medianMs, x.p95Ms] : ["n/a", "n/a"]);
const abTable = (rows: AbRow[], a: string, b: string) =>
  table(
    ["hot path", `${a} median (ms)`, `${a} p95`, `${b} median (ms)`, `${b} p95`, `${a} / ${b}`, "per round: median (min–max)"],
    rows.map((x) => [
      x.case,
      ...ms(x.a),
      ...ms(x.b),
      x.ratio === undefined ? "n/a" : `**${x.ratio}×**`,
      x.roundRatios ? `${x.roundRatios.median}× (${x.roundRatios.min}–${x.roundRatios.max}, ${x.roundRatios.rounds} rounds)` : (x.na ?? ""),
    ]),
  );

function renderAb(runs: AbResult[]): string {
  // In the order they ran.
  const sorted = [...runs].sort((x, y) => x.date.localeCompare(y.date));
  return `## 7. A/B: this build against earlier ones (\`npm run bench -- --against <ref>\`)

A is the working tree the command ran in, B the other build, unpacked from git and installed with its
own lock file (bench/.tmp/builds/<commit>), migrated with its own migrations into a second database
of the same cluster and served by its own PostgREST as it starts it. The same requests go to both,
alternating A B / B A request by request, each round starting with the other side
(bench/lib/ab.ts). Each request does real work: ACKs fail sent rows, progress events mark them
delivered, re-syncs change nothing or a tenth of 1,000 groups, send records mark 5,000 pending
rows sent. Times are client-side through HTTP. **A / B below 1.0: A is faster.** Goal: every hot
path ≤ 1.0× the first build (8643f95). "n/a": B has no such endpoint.

${sorted
  .map(
    (r) => `### A = ${r.a.label} against B = ${r.b.label}

B: ${r.b.subject}. A's last commit: ${r.a.subject}. \`${r.command}\`, ${r.date} (${r.mode}), ${r.rounds} rounds;
${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.postgresSettings}.

${abTable(r.rows, "A", "B")}
`,
  )
  .join("\n")}`;
}

function renderVolume(runs: VolumeResult[]): string {
  return `## 8. Data volume (\`npm run bench -- --volume [rows]\`)

One build (the working tree) in two databases of one cluster: one holding a history loaded in SQL
(campaign rows with their message-id lock rows, error and progress inbox rows, sessions and groups;
bench/scenarios/volume.ts), one near-empty. The same hot paths, interleaved as in section 7 (A =
with the history). Goal: within 1.2×.

${[...runs]
  .sort((x, y) => x.campaignRows - y.campaignRows)
  .map(
    (r) => `### ${r.campaignRows.toLocaleString("en-US")} campaign rows

\`${r.command}\`, ${r.date} (${r.mode}), ${r.rounds} rounds; ${r.machine.cpu}, ${r.machine.cores} cores.
History: ${r.history}; loaded in ${r.loadSeconds} s.

${abTable(r.results, "with history", "near-empty")}
`,
  )
  .join("\n")}`;
}

function renderLargest(r: LargestResult): string {
  const conditions = [...new Set(r.calls.map((c) => `${c.condition}${c.loaded ? ", loaded" : ""}`))];
  const calls = [...new Set(r.calls.map((c) => c.call))];
  const cell = (call: string, cond: string) => {
    const c = r.calls.find((x) => x.call === call && `${x.condition}${x.loaded ? ", loaded" : ""}` === cond);
    if (!c) return "n/a";
    const s = (c.ms / 1000).toFixed(1);
    return c.ok ? s : `**${c.status}** (${s})`;
  };
  return `## 10. The largest legal calls (\`npm run bench -- --largest\`)

Every endpoint's largest legal body (internal.limits()) through PostgREST (pool of 20), then four
sends at once beside 16 ACK batches, on a new database in each state of its statistics and plan
cache (bench/scenarios/largest.ts): **fresh** (no ANALYZE yet), **young** (small campaigns first
through the pooled connections: their cached plans were built on tiny tables), **analysed**
(ANALYZE after that traffic), **stale** (ANALYZE on small tables, then a 100× change); each idle
and **loaded** (two \`yes > /dev/null\` beside it). Seconds per call, client-side; a failed call
shows its status. Budget: ≤ 10 s idle, within the roles' 30 s statement timeout loaded.
\`${r.command}\`, ${r.date}.

${table(
  ["call", ...conditions],
  calls.map((call) => [call, ...conditions.map((cond) => cell(call, cond))]),
)}

The slowest statements inside our functions in each condition (pg_stat_statements, track = all;
the longest single execution, ms):

${table(
  ["condition", "max (ms)", "calls", "statement"],
  r.statements
    .filter((s) => s.maxMs >= 500)
    .map((s) => [`${s.condition}${s.loaded ? ", loaded" : ""}`, s.maxMs, s.calls, `\`${s.query.replace(/\|/g, "\\|").slice(0, 140)}\``]),
)}
`;
}

export function renderResults(r: Results | undefined, ab: AbResult[] = [], volume: VolumeResult[] = [], largest?: LargestResult): string {
  return (
    `# Benchmark results

Generated by \`npm run bench\` (sections 1–6, 9 and 12), \`npm run bench -- --against <ref>\` (section 7),
\`npm run bench -- --volume\` (section 8), \`npm run bench -- --largest\` (section 10),
\`npm run bench -- --dispatch\` (section 11) and \`npm run bench -- --ceiling\` (section 12 alone);
each section names its run. Do not edit: re-run the commands.

${r ? renderMain(r) : ""}
${ab.length ? renderAb(ab) : ""}
${volume.length ? renderVolume(volume) : ""}
${largest ? renderLargest(largest) : ""}`
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

function renderMain(r: Results): string {
  const m = r.machine;
  const flat = r.latency.length > 1 ? r.latency.at(-1)!.oursMedianMs / r.latency[0]!.oursMedianMs : NaN;
  return `Sections 1–6: \`${r.command}\` on ${r.date} (${r.mode} mode).

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.postgres}; ${m.postgrest}; Node ${m.node}.
PostgreSQL settings: ${m.postgresSettings} (the bench's throwaway cluster; both sides share it).
Everything runs on this one machine: load generator, PostgREST and PostgreSQL share its cores.

## 1. Error ACK latency against campaign size (through HTTP)

Ours: one \`POST /rpc/record_message_error\`. Baseline (\`bench/baselines/edge-function-ack.ts\`): the
original edge-function flow with a Supabase-style client — look the row up, update it, select all
of the campaign's rows to recount, update the campaign (four round trips). Each side runs its
samples in its own block, each ACK on a distinct sent row. Goal: flat in campaign size (largest within 1.2× of
smallest), and ≥ 50× faster than the baseline at the largest size.

${table(
  ["campaign size", "ours median (ms)", "ours p95", "baseline median (ms)", "baseline p95", "baseline / ours"],
  r.latency.map((x) => [x.size, x.oursMedianMs, x.oursP95Ms, x.baselineMedianMs, x.baselineP95Ms, `${x.speedup}×`]),
)}

Ours at the largest size / ours at the smallest: **${flat.toFixed(2)}×**. Plot: [ack-latency.svg](ack-latency${r.mode === "quick" ? ".quick" : ""}.svg).

## 2. Error ACK throughput against the machine's limit

Ours: a load generator (wrk from Debian when installed, else autocannon) posting ACKs (unknown
message ids: validate, lock, look up, store) through PostgREST. Limit: pgbench calling the same function over the local socket, same concurrency.
Goal: ≥ 60% of the limit.

${table(
  ["concurrency", "load generator", "ours (ACKs/s)", "pgbench limit (ACKs/s)", "% of limit", "non-2xx", "errors"],
  r.throughput.map((x) => [x.concurrency, x.tool, x.oursPerSec, x.limitPerSec, `${x.percentOfLimit}%`, x.non2xx, x.errors]),
)}

In batches (\`{"events": [...]}\` of ${r.batchThroughput?.batch ?? "—"}, as the client's forwarders post them; wrk only):
${
  r.batchThroughput
    ? table(
        ["concurrency", "events per request", "requests/s", "events/s", "non-2xx"],
        [
          [
            r.batchThroughput.concurrency,
            r.batchThroughput.batch,
            r.batchThroughput.requestsPerSec,
            r.batchThroughput.eventsPerSec,
            r.batchThroughput.non2xx,
          ],
        ],
      )
    : "(not measured: wrk is not installed)"
}

## 3. Group sync (realistic Baileys payloads, participant arrays included)

Ours: one \`POST /rpc/sync_groups\` with the gateway's raw payload (Baileys objects, participant
lists included). Ours via client: the same call made by \`createGatewayClient().syncGroups\`, which
sends only the stored fields (participants reduced to their count; compaction timed). Baseline
(\`bench/baselines/ts-group-sync.ts\`): filter and map in TypeScript, bulk upsert through the table
endpoint; its time includes parsing the gateway's raw body, which the edge function received. Raw bound: the same mapped rows as one \`INSERT … ON CONFLICT\` sent straight to
PostgreSQL (no HTTP, no participants). "rows written" counts rows whose tuple changed.
Goals: within 2× of the raw bound, never slower than the baseline, no rows written on a no-change re-sync.

${table(
  [
    "groups",
    "raw payload (MB)",
    "phase",
    "ours, raw (ms)",
    "ours via client (ms)",
    "baseline (ms)",
    "raw bound (ms)",
    "ours via client / raw bound",
    "baseline / ours via client",
    "baseline / ours raw",
    "rows written: ours",
    "rows written: baseline",
  ],
  r.sync.map((x) => [
    x.groups,
    x.payloadMB,
    x.phase,
    x.oursMs,
    x.oursClientMs,
    x.baselineMs,
    x.rawMs,
    `${x.oursClientVsRaw}×`,
    `${x.baselineVsOursClient}×`,
    `${x.baselineVsOurs}×`,
    x.oursRowsWritten,
    x.baselineRowsWritten,
  ]),
)}

## 4. Campaign creation: statement-level vs per-row totals trigger

One \`api.create_campaign\` call (SQL, same path for both); the per-row trigger is
\`bench/sql/per-row-totals-trigger.sql\`. Goal: ≥ 5×.

${table(
  ["groups", "statement-level (ms)", "per-row (ms)", "per-row / statement-level"],
  r.creation.map((x) => [x.groups, x.statementMs, x.perRowMs, `${x.speedup}×`]),
)}

## 5. Totals trigger: static SQL vs EXECUTE format(...)

The same statement-level bookkeeping written two ways: today's static statements per event
(\`internal.tg_campaign_groups__totals\` → \`internal.apply_campaign_row_changes\`, plans cached) and
the previous \`EXECUTE format(...)\` (\`bench/sql/dynamic-totals-trigger.sql\`, planned on every
statement). Alternating rounds, one connection, SQL only. Kept: the faster one.

${table(
  ["statement", "static (ms)", "dynamic (ms)", "dynamic / static"],
  (r.trigger ?? []).map((x) => [x.statement, x.staticMs, x.dynamicMs, `${x.ratio}×`]),
)}

## 6. Stale statistics: no payload–table join vs plain joins

\`api.sync_groups\` (payload → table by per-element index lookups, table → payload by key probes
into the payload; docs/design.md "Plans that do not depend on statistics") against the same
function written with a left join and NOT EXISTS (\`bench/sql/sync-groups-with-joins.sql\`). The
statistics are taken before the session exists (50 sessions of 10 groups; autovacuum off), then the
session syncs N groups and re-syncs with a tenth gone; it runs first, on the fresh database. Whether the plain joins regress depends on
what the statistics happen to say: that is the point of not depending on them.

${table(
  ["groups", "phase", "ours (ms)", "with joins (ms)", "with joins / ours"],
  (r.stale ?? []).map((x) => [x.groups, x.phase, x.oursMs, x.joinsMs, `${x.ratio}×`]),
)}
${
  r.scoped
    ? `
## 9. A gateway key bound to sessions vs an unscoped one

The same error ACKs (one, and batches of 100) through HTTP, with an unscoped gateway key and with a
key bound to ten sessions (the campaign's among them), interleaved A/B/B/A
(\`bench/scenarios/scoped-keys.ts\`). Goal: the scoped key within 5% (ratio ≤ 1.05).
${r.scopedRun ? `\nThis section: \`${r.scopedRun.command}\` on ${r.scopedRun.date} (${r.scopedRun.mode} mode), run on its own.\n` : ""}

${table(
  ["call", "unscoped median (ms)", "p95", "scoped median (ms)", "p95", "scoped / unscoped"],
  r.scoped.map((x) => [x.call, x.unscopedMedianMs, x.unscopedP95Ms, x.scopedMedianMs, x.scopedP95Ms, `${x.ratio}×`]),
)}
`
    : ""
}${
  r.dispatch
    ? `
## 11. Dispatch: the backend's cost per message, and one session's highest unpaced rate

A claim (\`claim_sends\`) and its report (\`record_message_sent\`, every send sent) through HTTP with
a gateway key, by claim size, with 1 and 4 gateway processes claiming for one session at once; the
session's next slot and day count are reset before each claim (not timed), so the rate is the calls'
cost, never the pace (\`bench/scenarios/dispatch.ts\`). A real session sends at its pace (6 per minute
by default, 120 at most): the backend is not what limits it.
${r.dispatchRun ? `\nThis section: \`${r.dispatchRun.command}\` on ${r.dispatchRun.date} (${r.dispatchRun.mode} mode), run on its own.\n` : ""}

${table(
  ["workers", "claim size", "messages", "claim median (ms)", "p95", "report median (ms)", "p95", "per message (ms)", "messages/s"],
  r.dispatch.map((x) => [
    x.workers,
    x.batch,
    x.messages,
    x.claimMedianMs,
    x.claimP95Ms,
    x.reportMedianMs,
    x.reportP95Ms,
    x.perMessageMs,
    x.messagesPerSecond,
  ]),
)}
`
    : ""
}${
  r.ceiling
    ? `
## 12. Against the ceiling that exists: an empty RPC through PostgREST, and pgbench

Side by side in one run (\`bench/scenarios/ceiling.ts\`), wrk as the load generator, in rounds of
short slices: each pair back to back, in alternating order, and each round's ratio compares the same
machine (a busy machine's load changes between long slices); the median round is given, with the
lowest and highest. Single error ACKs (unknown message ids: validate, lock, look up, keep) against an
RPC that does nothing through the same PostgREST, pre-request hook and key: what PostgREST itself
answers here. Goal ≥ 70 %. Batches of 100 ACKs through PostgREST against pgbench calling
\`api.record_message_error\` with the same batches over the local socket (it builds each batch with
\`jsonb_build_object\` in SQL, as PostgREST parses the body). Goal ≥ 60 %.
${r.ceilingRun ? `\nThis section: \`${r.ceilingRun.command}\` on ${r.ceilingRun.date} (${r.ceilingRun.mode} mode), run on its own.\n` : ""}

${table(
  [
    "clients",
    "empty RPC (requests/s)",
    "single ACKs/s",
    "ACKs / empty (median round; lowest–highest)",
    "batches of 100 (events/s)",
    "pgbench (events/s)",
    "batches / pgbench (median round; lowest–highest)",
    "non-2xx",
  ],
  r.ceiling.map((x) => [
    x.concurrency,
    x.emptyPerSec,
    x.ackPerSec,
    `**${x.ackPercentOfEmpty}%**${x.ackPercentRange ? ` (${x.ackPercentRange.join("–")}%)` : ""}`,
    x.batchEventsPerSec,
    x.pgbenchEventsPerSec,
    `**${x.batchPercentOfPgbench}%**${x.batchPercentRange ? ` (${x.batchPercentRange.join("–")}%)` : ""}`,
    x.non2xx,
  ]),
)}
`
    : ""
}
`;
}
