// Scenario 7: what binding a gateway key to sessions costs. The same error ACKs (single, and
// batches of 100) through HTTP with an unscoped key and with a key bound to the campaign's
// session (and to nine others), interleaved A/B/B/A so that both meet the same machine moments.
// Goal: the scoped key within 5% of the unscoped one.
import { createApiKey } from "../../scripts/lib/api-keys.js";
import type { BenchEnv } from "../lib/env.js";
import { makeCampaign, markAllSent } from "../lib/fixtures.js";
import { median, quantile, round, timed } from "../lib/stats.js";

export interface ScopedRow {
  call: string;
  unscopedMedianMs: number;
  unscopedP95Ms: number;
  scopedMedianMs: number;
  scopedP95Ms: number;
  ratio: number;
}

export async function scopedKeys(env: BenchEnv, rounds: number): Promise<ScopedRow[]> {
  const sessionId = "scoped_bench";
  const size = (rounds + 2) * 2 * 101 + 10; // every ACK on a row of its own
  const campaignId = await makeCampaign(env.db, sessionId, size);
  await markAllSent(env.db, campaignId, sessionId, size);
  await env.db.query("vacuum analyze notification_campaign_groups");
  const others = Array.from({ length: 9 }, (_, i) => `scoped_other_${i}`);
  const scopedKey = (await createApiKey(env.target.adminUrl, "gateway", "bench-scoped", [...others, sessionId])).key;
  let next = 1;
  const ack = async (key: string, n: number) => {
    const events = Array.from({ length: n }, () => ({ sessionId, messageId: `${sessionId}_${next++}`, errorCode: 420 }));
    const res = await fetch(`${env.ours.url}/rpc/record_message_error`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(n === 1 ? events[0] : { events }),
    });
    const body = (await res.json()) as { counts?: { applied: number } };
    if (body.counts?.applied !== n) throw new Error(`scoped bench: ${JSON.stringify(body).slice(0, 300)}`);
  };
  const out: ScopedRow[] = [];
  for (const [call, n] of [
    ["single ACK", 1],
    ["batch of 100 ACKs", 100],
  ] as const) {
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 0; k < rounds + 2; k++) {
      const order = k % 2 ? [scopedKey, env.gatewayKey] : [env.gatewayKey, scopedKey];
      for (const key of order) {
        const [ms] = await timed(() => ack(key, n));
        if (k >= 2) (key === scopedKey ? b : a).push(ms); // two warm-up rounds
      }
    }
    const row = {
      call,
      unscopedMedianMs: round(median(a)),
      unscopedP95Ms: round(quantile(a, 0.95)),
      scopedMedianMs: round(median(b)),
      scopedP95Ms: round(quantile(b, 0.95)),
      ratio: round(median(b) / median(a), 2),
    };
    console.log(`  ${call}: unscoped ${row.unscopedMedianMs} ms, scoped ${row.scopedMedianMs} ms (${row.ratio}×)`);
    out.push(row);
  }
  return out;
}
