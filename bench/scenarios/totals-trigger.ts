// Scenario 5: the totals trigger as static SQL (internal.tg_campaign_groups__totals, today's)
// against the same bookkeeping built with EXECUTE format(...) per statement (its previous
// version, bench/sql/dynamic-totals-trigger.sql), on the ACK's shape of statement (one row sent →
// failed) and on a bulk one (5,000 rows). Alternating rounds on one campaign, same connection.
import type { BenchEnv } from "../lib/env.js";
import { makeCampaign, markAllSent } from "../lib/fixtures.js";
import { median, round } from "../lib/stats.js";

export interface TriggerRow {
  statement: string;
  staticMs: number;
  dynamicMs: number;
  ratio: number;
}

const MODES = {
  static: "enable trigger tg_campaign_groups__totals_update, disable trigger bench_totals_dynamic_update",
  dynamic: "disable trigger tg_campaign_groups__totals_update, enable trigger bench_totals_dynamic_update",
} as const;

export async function totalsTrigger(env: BenchEnv, singles: number, rounds: number): Promise<TriggerRow[]> {
  const bulk = 5_000;
  const size = 2 * rounds * (singles + bulk);
  const campaignId = await makeCampaign(env.db, "trigger_bench", size);
  await markAllSent(env.db, campaignId, "trigger_bench", size);
  const ids = (
    await env.db.query<{ id: string }>("select id from notification_campaign_groups where campaign_id = $1 order by id", [campaignId])
  ).rows.map((r) => r.id);
  const c = await env.db.connect();
  const times = { single: { static: [] as number[], dynamic: [] as number[] }, bulk: { static: [] as number[], dynamic: [] as number[] } };
  try {
    let next = 0;
    for (let r = 0; r < rounds; r++) {
      for (const mode of (r % 2 ? ["dynamic", "static"] : ["static", "dynamic"]) as (keyof typeof MODES)[]) {
        await c.query(`alter table notification_campaign_groups ${MODES[mode]}`);
        let t = performance.now();
        for (let k = 0; k < singles; k++) {
          await c.query("update notification_campaign_groups set status = 'failed', error_code = 420, failed_at = now() where id = $1", [
            ids[next++],
          ]);
        }
        times.single[mode].push((performance.now() - t) / singles);
        const from = ids[next]!;
        next += bulk;
        t = performance.now();
        await c.query(
          `update notification_campaign_groups set status = 'failed', error_code = 420, failed_at = now()
                       where campaign_id = $1 and id >= $2 and id < $3`,
          [campaignId, from, ids[next]],
        );
        times.bulk[mode].push(performance.now() - t);
      }
    }
    await c.query(`alter table notification_campaign_groups ${MODES.static}`);
    const ok = await c.query(
      `select total_groups = pending_count + sent_count + failed_count
        and failed_count = (select count(*) from notification_campaign_groups where campaign_id = $1 and status = 'failed') as ok
      from notification_campaigns where id = $1`,
      [campaignId],
    );
    if (!ok.rows[0].ok) throw new Error("totals wrong after the trigger bench");
  } finally {
    c.release();
  }
  const row = (statement: string, s: number[], d: number[]): TriggerRow => ({
    statement,
    staticMs: round(median(s), 3),
    dynamicMs: round(median(d), 3),
    ratio: round(median(d) / median(s), 2),
  });
  const out = [
    row("one row sent → failed (an ACK)", times.single.static, times.single.dynamic),
    row(`${bulk} rows in one statement`, times.bulk.static, times.bulk.dynamic),
  ];
  for (const r of out)
    console.log(`  trigger, ${r.statement}: static ${r.staticMs} ms, dynamic ${r.dynamicMs} ms (dynamic/static ${r.ratio}×)`);
  return out;
}
