// Scenario 4: creating a campaign of 10,000 / 100,000 groups in one call, with the
// statement-level totals trigger vs a per-row version of the same bookkeeping.
import type { BenchEnv } from "../lib/env.js";
import { createCampaign, syncGroups } from "../lib/fixtures.js";
import { median, round, timed } from "../lib/stats.js";

export interface CreationRow {
  groups: number;
  statementMs: number;
  perRowMs: number;
  speedup: number;
}

async function create(env: BenchEnv, sessionId: string, n: number) {
  const [ms, id] = await timed(() => createCampaign(env.db, sessionId, n));
  const ok = await env.db.query("select total_groups = $2 and pending_count = $2 as ok from notification_campaigns where id = $1", [id, n]);
  if (!ok.rows[0].ok) throw new Error("totals wrong after creation");
  return ms;
}

async function perRow<T>(env: BenchEnv, fn: () => Promise<T>): Promise<T> {
  await env.db.query(`alter table notification_campaign_groups disable trigger tg_campaign_groups__totals_insert;
                      alter table notification_campaign_groups enable trigger bench_row_totals`);
  try {
    return await fn();
  } finally {
    await env.db.query(`alter table notification_campaign_groups disable trigger bench_row_totals;
                        alter table notification_campaign_groups enable trigger tg_campaign_groups__totals_insert`);
  }
}

export async function campaignCreation(env: BenchEnv, sizes: number[], repeats: number): Promise<CreationRow[]> {
  const out: CreationRow[] = [];
  for (const n of sizes) {
    const sessionId = `create_${n}`;
    await syncGroups(env.db, sessionId, n);
    await createCampaign(env.db, sessionId, n); // warm-up
    const st: number[] = [];
    const pr: number[] = [];
    for (let k = 0; k < repeats; k++) {
      st.push(await create(env, sessionId, n));
      // Per-row is superlinear (every row updates the same campaign row again, in one
      // transaction): above 10,000 groups it is measured once, or the bench would take hours.
      if (k === 0 || n <= 10_000) pr.push(await perRow(env, () => create(env, sessionId, n)));
    }
    const row = {
      groups: n,
      statementMs: round(median(st), 0),
      perRowMs: round(median(pr), 0),
      speedup: round(median(pr) / median(st), 1),
    };
    console.log(`  create campaign ${n}: statement-level ${row.statementMs} ms, per-row ${row.perRowMs} ms (${row.speedup}×)`);
    out.push(row);
  }
  return out;
}
