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
  /** Requests/s of an RPC that does nothing (PostgREST + the pre-request hook + the key): median of the rounds. */
  emptyPerSec: number;
  /** Single error ACKs/s through the same PostgREST: median of the rounds. */
  ackPerSec: number;
  /** Median over the rounds of each round's ACKs / empty (the pair measured back to back). */
  ackPercentOfEmpty: number;
  /** Lowest and highest round. */
  ackPercentRange: [number, number];
  /** Events/s of batches of `batch` error ACKs through PostgREST: median of the rounds. */
  batchEventsPerSec: number;
  /** Events/s of pgbench calling api.record_message_error with the same batches: median of the rounds. */
  pgbenchEventsPerSec: number;
  batchPercentOfPgbench: number;
  batchPercentRange: [number, number];
  batch: number;
  rounds: number;
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
  // Rounds of short slices, each pair back to back and in alternating order (A B, B A, …): on a
  // machine whose load changes (busy machines are normal), one long slice per side compared two
  // different machines; a round's ratio compares the same one. The median round is reported, with
  // the lowest and highest.
  const rounds = Math.max(3, Math.min(7, Math.round(seconds / 2)));
  const slice = Math.max(2, Math.round((2 * seconds) / rounds));
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
  };
  const pct = (xs: number[]) => round(100 * median(xs), 0);
  const range = (xs: number[]): [number, number] => [round(100 * Math.min(...xs), 0), round(100 * Math.max(...xs), 0)];
  try {
    for (const c of levels) {
      const empty: number[] = [];
      const ack: number[] = [];
      const batches: number[] = [];
      const pgbench: number[] = [];
      let non2xx = 0;
      for (let k = 0; k < rounds; k++) {
        const pair = <T>(a: () => T, b: () => T): [T, T] => {
          if (k % 2 === 0) {
            const x = a();
            return [x, b()];
          }
          const y = b();
          return [a(), y];
        };
        const [e, a] = pair(
          () => wrkRps(env.ours.url, env.gatewayKey, "/rpc/bench_empty", c, slice),
          () => wrkRps(env.ours.url, env.gatewayKey, "/rpc/record_message_error", c, slice),
        );
        const [b, p] = pair(
          () => wrkRps(env.ours.url, env.gatewayKey, "/rpc/record_message_error", c, slice, batch),
          () => ({ perSec: pgbenchTps(env.target, env.target.dbName, pgbenchBatch(batch), c, slice), non2xx: 0 }),
        );
        empty.push(e.perSec);
        ack.push(a.perSec);
        batches.push(b.perSec);
        pgbench.push(p.perSec);
        non2xx += e.non2xx + a.non2xx + b.non2xx;
      }
      const ackRatios = ack.map((x, i) => x / (empty[i] as number));
      const batchRatios = batches.map((x, i) => x / (pgbench[i] as number));
      const row: CeilingRow = {
        concurrency: c,
        emptyPerSec: round(median(empty), 0),
        ackPerSec: round(median(ack), 0),
        ackPercentOfEmpty: pct(ackRatios),
        ackPercentRange: range(ackRatios),
        batchEventsPerSec: round(median(batches) * batch, 0),
        pgbenchEventsPerSec: round(median(pgbench) * batch, 0),
        batchPercentOfPgbench: pct(batchRatios),
        batchPercentRange: range(batchRatios),
        batch,
        rounds,
        non2xx,
      };
      console.log(
        `  @${c}: empty ${row.emptyPerSec}/s, ACK ${row.ackPerSec}/s (${row.ackPercentOfEmpty}%, rounds ${row.ackPercentRange.join("–")}%); batches ${row.batchEventsPerSec} events/s, pgbench ${row.pgbenchEventsPerSec} (${row.batchPercentOfPgbench}%, rounds ${row.batchPercentRange.join("–")}%); ${rounds} rounds of ${slice} s`,
      );
      out.push(row);
    }
  } finally {
    await env.db.query("drop function api.bench_empty(jsonb); notify pgrst, 'reload schema'");
  }
  return out;
}
