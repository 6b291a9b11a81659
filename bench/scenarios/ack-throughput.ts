// Scenario 2: sustained error ACKs per second through PostgREST (wrk, else autocannon) at a few
// concurrency levels, against pgbench calling the same function over the local socket: the
// machine's limit for this work. Every ACK is for an unknown message id (pending_match: validate,
// lock, look up, store), the same work on both sides.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { commandExists } from "../../scripts/lib/run.js";
import type { Target } from "../../scripts/lib/target.js";
import type { BenchEnv } from "../lib/env.js";
import { round } from "../lib/stats.js";

export interface ThroughputRow {
  concurrency: number;
  tool: string;
  oursPerSec: number;
  limitPerSec: number;
  percentOfLimit: number;
  non2xx: number;
  errors: number;
}
export interface BatchThroughputRow {
  concurrency: number;
  batch: number;
  requestsPerSec: number;
  eventsPerSec: number;
  non2xx: number;
}

/** Transactions per second of pgbench running `sql` over the local socket of `target`'s own cluster. */
export function pgbenchTps(target: Target, db: string, sql: string, concurrency: number, seconds: number): number {
  const cluster = target.cluster;
  if (!cluster || !target.binDir) throw new Error("the throughput limit needs the project's own cluster (unset DATABASE_URL)");
  const dir = mkdtempSync(join(tmpdir(), "wa-pgbench-"));
  const script = join(dir, "ack.sql");
  writeFileSync(script, `\\set n random(1, 2000000000)\n${sql}\n`);
  const r = spawnSync(
    join(target.binDir, "pgbench"),
    [
      "-h",
      cluster.socketDir,
      "-p",
      String(cluster.port),
      "-U",
      "postgres",
      "-n",
      "-M",
      "prepared",
      "-c",
      String(concurrency),
      "-j",
      String(Math.min(concurrency, 2)),
      "-T",
      String(seconds),
      "-f",
      script,
      db,
    ],
    { encoding: "utf8" },
  );
  const tps = r.stdout.match(/tps = ([\d.]+) \(without initial connection time\)/)?.[1];
  if (!tps) throw new Error(`pgbench failed: ${r.stdout}${r.stderr}`);
  return Number(tps);
}

/** The same ACK as the HTTP side posts (an unknown message id), for pgbench (:n is random per transaction). */
export const PGBENCH_ACK =
  "select api.record_message_error(jsonb_build_object('sessionId', 'pgbench', 'messageId', 'pgb_' || :n, 'errorCode', 420));";

const pgbench = (env: BenchEnv, concurrency: number, seconds: number) =>
  pgbenchTps(env.target, env.target.dbName, PGBENCH_ACK, concurrency, seconds);

/** wrk (C, from Debian) when present: it takes far less of the two cores than a Node client. */
function oursWithWrk(env: BenchEnv, concurrency: number, seconds: number, batch = 1) {
  return wrkRps(env.ours.url, env.gatewayKey, "/rpc/record_message_error", concurrency, seconds, batch);
}

/**
 * Requests per second of wrk posting error ACKs to `path` on `url`: one event per request, or
 * {"events": [...]} of `batch` events, each a distinct unknown message id.
 */
export function wrkRps(url: string, apiKey: string, path: string, concurrency: number, seconds: number, batch = 1) {
  const dir = mkdtempSync(join(tmpdir(), "wa-wrk-"));
  const script = join(dir, "ack.lua");
  writeFileSync(
    script,
    `math.randomseed(os.time())
local function event()
  return '{"sessionId":"wrk","messageId":"wrk_' .. math.random(1, 2147483647) .. '_' .. math.random(1, 2147483647) .. '","errorCode":420}'
end
request = function()
  local body
  if ${batch} == 1 then body = event() else
    local events = {}
    for i = 1, ${batch} do events[i] = event() end
    body = '{"events":[' .. table.concat(events, ",") .. ']}'
  end
  return wrk.format("POST", "${path}", {["content-type"] = "application/json", ["x-api-key"] = "${apiKey}"}, body)
end
`,
  );
  const r = spawnSync("wrk", ["-t", String(Math.min(concurrency, 2)), "-c", String(concurrency), "-d", `${seconds}s`, "-s", script, url], {
    encoding: "utf8",
  });
  const perSec = Number(r.stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  if (!perSec) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  const non2xx = Number(r.stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const errors = Number(r.stdout.match(/Socket errors: .*?(\d+)/)?.[1] ?? 0);
  return { perSec, non2xx, errors };
}

async function ours(env: BenchEnv, concurrency: number, seconds: number) {
  if (commandExists("wrk")) return { tool: "wrk", ...oursWithWrk(env, concurrency, seconds) };
  let n = 0;
  const prefix = `ac${concurrency}_${Date.now()}`;
  const result = await autocannon({
    url: `${env.ours.url}/rpc/record_message_error`,
    connections: concurrency,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": env.gatewayKey },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ sessionId: "autocannon", messageId: `${prefix}_${n++}`, errorCode: 420 }),
        }),
      },
    ],
  });
  return { tool: "autocannon", perSec: result.requests.average, non2xx: result.non2xx, errors: result.errors };
}

export async function ackThroughput(env: BenchEnv, levels: number[], seconds: number): Promise<ThroughputRow[]> {
  const out: ThroughputRow[] = [];
  for (const c of levels) {
    const o = await ours(env, c, seconds);
    const limit = pgbench(env, c, seconds);
    const row = {
      concurrency: c,
      tool: o.tool,
      oursPerSec: round(o.perSec, 0),
      limitPerSec: round(limit, 0),
      percentOfLimit: round((100 * o.perSec) / limit, 0),
      non2xx: o.non2xx,
      errors: o.errors,
    };
    console.log(`  ack throughput @${c}: ours ${row.oursPerSec}/s, pgbench ${row.limitPerSec}/s (${row.percentOfLimit}%)`);
    out.push(row);
  }
  return out;
}

/** Error ACKs in batches ({"events": [...]}, as the client's forwarders post them): events per second. */
export function ackBatchThroughput(env: BenchEnv, concurrency: number, seconds: number, batch: number): BatchThroughputRow | undefined {
  if (!commandExists("wrk")) return undefined;
  const o = oursWithWrk(env, concurrency, seconds, batch);
  const row = { concurrency, batch, requestsPerSec: round(o.perSec, 1), eventsPerSec: round(o.perSec * batch, 0), non2xx: o.non2xx };
  console.log(`  ack batches of ${batch} @${concurrency}: ${row.requestsPerSec} requests/s = ${row.eventsPerSec} events/s`);
  return row;
}
