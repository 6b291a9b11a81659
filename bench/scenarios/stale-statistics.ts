// Scenario 6: sync_groups on stale statistics. The table's statistics are taken while 50 other
// sessions hold 10 groups each (autovacuum off for the run, as between two autovacuum rounds), then
// a new session syncs N groups and is re-synced with a tenth of them gone. api.sync_groups (no
// payload–table join: per-element lookups and key probes, docs/design.md "Plans that do not
// depend on statistics") against the same function written with plain joins
// (bench/sql/sync-groups-with-joins.sql), each on a session of its own, same run.
import type { BenchEnv } from "../lib/env.js";
import { JID_SQL } from "../../test/support/jids.js";
import { round } from "../lib/stats.js";

export interface StaleRow {
  groups: number;
  phase: string;
  oursMs: number;
  joinsMs: number;
  ratio: number;
}

const FUNCTIONS = { ours: "api.sync_groups", joins: "internal.bench_sync_groups_joins" } as const;

async function sync(env: BenchEnv, fn: string, sessionId: string, from: number, to: number): Promise<number> {
  const t = performance.now();
  await env.db.query(
    `select ${fn}(jsonb_build_object('sessionId', $1::text, 'groups',
      (select jsonb_agg(jsonb_build_object('id', ${JID_SQL}, 'subject', 'Group ' || i, 'size', 5))
       from generate_series($2::int, $3::int) i)))`,
    [sessionId, from, to],
  );
  return performance.now() - t;
}

export async function staleStatistics(env: BenchEnv, sizes: number[]): Promise<StaleRow[]> {
  const out: StaleRow[] = [];
  await env.db.query("alter table whatsapp_groups set (autovacuum_enabled = off)");
  try {
    for (const n of sizes) {
      const times: Record<string, Record<keyof typeof FUNCTIONS, number>> = {};
      const sessions = { ours: `stale_ours_${n}`, joins: `stale_joins_${n}` };
      // Statistics taken before the sessions exist, among others of 10 groups each (a new account).
      for (let k = 0; k < 50; k++) await sync(env, FUNCTIONS.ours, `stale_other_${n}_${k}`, 1, 10);
      await env.db.query("analyze whatsapp_groups");
      // Alternate who goes first from size to size (cache warmth).
      for (const side of (sizes.indexOf(n) % 2 ? ["joins", "ours"] : ["ours", "joins"]) as (keyof typeof FUNCTIONS)[]) {
        (times["first sync"] ??= {} as never)[side] = await sync(env, FUNCTIONS[side], sessions[side], 1, n);
        // A tenth of the groups left: the re-sync deactivates them (the table → payload direction).
        (times["re-sync, a tenth gone"] ??= {} as never)[side] = await sync(
          env,
          FUNCTIONS[side],
          sessions[side],
          Math.floor(n / 10) + 1,
          n,
        );
      }
      for (const [phase, t] of Object.entries(times)) {
        const row = { groups: n, phase, oursMs: round(t.ours), joinsMs: round(t.joins), ratio: round(t.joins / t.ours, 1) };
        console.log(`  stale statistics, ${n} groups, ${phase}: ours ${row.oursMs} ms, with joins ${row.joinsMs} ms (${row.ratio}×)`);
        out.push(row);
      }
      const check = await env.db.query(
        `select count(*) filter (where inactive_since is null)::int as active from whatsapp_groups
        where session_id = any($1) group by session_id`,
        [[sessions.ours, sessions.joins]],
      );
      if (check.rows.some((r) => r.active !== n - Math.floor(n / 10))) throw new Error("the two syncs disagree");
    }
  } finally {
    await env.db.query("alter table whatsapp_groups reset (autovacuum_enabled)");
  }
  return out;
}
