// Scenario 12 (issue 36): our calls against the ceiling that exists, measured side by side in one
// run. PostgREST itself is the ceiling of a single ACK: an RPC that does nothing, through the same
// PostgREST, pre-request hook and key, answers at most so many requests per second here; single
// error ACKs are compared with that (goal ≥ 70 %). Batches of 100 ACKs spend most of their time in
// the database: their events per second are compared with pgbench calling the same function with
// the same batch over the local socket (goal ≥ 60 %). wrk is the load generator (C: it takes far
// less of the two shared cores than a Node client would).
import { commandExists, sleep } from "../../scripts/lib/run.js";
import type { BenchEnv } from "../lib/env.js";
import { round } from "../lib/stats.js";
import { pgbenchTps, wrkRps } from "./ack-throughput.js";

export interface CeilingRow {
  concurrency: number;
  /** Requests/s of an RPC that does nothing (PostgREST + the pre-request hook + the key). */
  emptyPerSec: number;
  /** Single error ACKs/s through the same PostgREST. */
  ackPerSec: number;
  ackPercentOfEmpty: number;
  /** Events/s of batches of `batch` error ACKs through PostgREST. */
  batchEventsPerSec: number;
  /** Events/s of pgbench calling api.record_message_error with the same batches. */
  pgbenchEventsPerSec: number;
  batchPercentOfPgbench: number;
  batch: number;
  non2xx: number;
}

/** A batch of `batch` error ACKs with unknown message ids (:n is random per pgbench transaction). */
const pgbenchBatch = (batch: number) =>
  `select api.record_message_error(jsonb_build_object('events', (select jsonb_agg(jsonb_build_object('sessionId', 'pgbench', 'messageId', 'pgb_' || :n || '_' || i, 'errorCode', 420)) from generate_series(1, ${batch}) i)));`;

/** An RPC that does nothing, callable by the gateway role (PostgREST reloads its schema for it). */
export const EMPTY_RPC_SQL = `create or replace function api.bench_empty(jsonb) returns jsonb
  language sql volatile as $$ select '{}'::jsonb $$;
  revoke all on function api.bench_empty(jsonb) from public;
  grant execute on function api.bench_empty(jsonb) to gateway;
  notify pgrst, 'reload schema'`;

async function createEmptyRpc(env: BenchEnv) {
  await env.db.query(EMPTY_RPC_SQL);
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${env.ours.url}/rpc/bench_empty`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": env.gatewayKey },
      body: "{}",
    });
    if (r.ok) return;
    await sleep(100);
  }
  throw new Error("api.bench_empty never became callable");
}

export async function ceiling(env: BenchEnv, levels: number[], seconds: number, batch = 100): Promise<CeilingRow[]> {
  if (!commandExists("wrk")) throw new Error("section 12 needs wrk (npm run setup installs it)");
  await createEmptyRpc(env);
  const out: CeilingRow[] = [];
  try {
    for (const c of levels) {
      // Interleaved: the pairs compared run one after the other, so a change in the machine's load
      // touches both sides of each ratio alike.
      const empty = wrkRps(env.ours.url, env.gatewayKey, "/rpc/bench_empty", c, seconds);
      const ack = wrkRps(env.ours.url, env.gatewayKey, "/rpc/record_message_error", c, seconds);
      const batches = wrkRps(env.ours.url, env.gatewayKey, "/rpc/record_message_error", c, seconds, batch);
      const pgbench = pgbenchTps(env.target, env.target.dbName, pgbenchBatch(batch), c, seconds);
      const row: CeilingRow = {
        concurrency: c,
        emptyPerSec: round(empty.perSec, 0),
        ackPerSec: round(ack.perSec, 0),
        ackPercentOfEmpty: round((100 * ack.perSec) / empty.perSec, 0),
        batchEventsPerSec: round(batches.perSec * batch, 0),
        pgbenchEventsPerSec: round(pgbench * batch, 0),
        batchPercentOfPgbench: round((100 * batches.perSec) / pgbench, 0),
        batch,
        non2xx: empty.non2xx + ack.non2xx + batches.non2xx,
      };
      console.log(
        `  @${c}: empty ${row.emptyPerSec}/s, ACK ${row.ackPerSec}/s (${row.ackPercentOfEmpty}%); batches ${row.batchEventsPerSec} events/s, pgbench ${row.pgbenchEventsPerSec} (${row.batchPercentOfPgbench}%)`,
      );
      out.push(row);
    }
  } finally {
    await env.db.query("drop function api.bench_empty(jsonb); notify pgrst, 'reload schema'");
  }
  return out;
}
