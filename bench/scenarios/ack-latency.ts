// Scenario 1: latency of one error ACK through HTTP against campaign size, ours vs the original
// four-round-trip flow, on distinct sent rows of the same campaign.
import { originalRecordMessageError, tableClient } from "../baselines/edge-function-ack.js";
import type { BenchEnv } from "../lib/env.js";
import { makeCampaign, markAllSent } from "../lib/fixtures.js";
import { median, quantile, round, timed } from "../lib/stats.js";

export interface AckLatencyRow {
  size: number;
  oursMedianMs: number;
  oursP95Ms: number;
  baselineMedianMs: number;
  baselineP95Ms: number;
  speedup: number;
}

export async function ackLatency(env: BenchEnv, sizes: number[], samples: number): Promise<AckLatencyRow[]> {
  const baseline = tableClient(env.baseline.url, env.baselineJwt);
  const out: AckLatencyRow[] = [];
  for (const size of sizes) {
    const sessionId = `lat_${size}`;
    const campaignId = await makeCampaign(env.db, sessionId, size);
    await markAllSent(env.db, campaignId, sessionId, size);
    await env.db.query("vacuum analyze notification_campaign_groups");
    const ours: number[] = [];
    const base: number[] = [];
    const warmup = 3;
    const n = Math.min(samples, Math.floor(size / 2) - warmup); // two distinct rows per sample
    // Each side in its own block: the baseline's large reads (a whole campaign per ACK) leave
    // PostgREST collecting garbage, which would otherwise land on the next call of ours.
    for (let k = 0; k < n + warmup; k++) {
      const [a] = await timed(async () => {
        const res = await fetch(`${env.ours.url}/rpc/record_message_error`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": env.gatewayKey },
          body: JSON.stringify({ sessionId, messageId: `${sessionId}_${2 * k + 1}`, errorCode: 420, errorMessage: "bench" }),
        });
        const body = (await res.json()) as { results: { outcome: string }[] };
        if (body.results[0]?.outcome !== "applied") throw new Error(`ours: ${JSON.stringify(body)}`);
      });
      if (k >= warmup) ours.push(a);
    }
    for (let k = 0; k < n + warmup; k++) {
      const [b] = await timed(async () => {
        const r = await originalRecordMessageError(baseline, {
          messageId: `${sessionId}_${2 * k + 2}`,
          errorCode: 420,
          errorMessage: "bench",
        });
        if (r !== "applied") throw new Error(`baseline: ${r}`);
      });
      if (k >= warmup) base.push(b);
    }
    const row = {
      size,
      oursMedianMs: round(median(ours)),
      oursP95Ms: round(quantile(ours, 0.95)),
      baselineMedianMs: round(median(base)),
      baselineP95Ms: round(quantile(base, 0.95)),
      speedup: round(median(base) / median(ours), 1),
    };
    console.log(`  ack latency @${size}: ours ${row.oursMedianMs} ms, baseline ${row.baselineMedianMs} ms (${row.speedup}×)`);
    out.push(row);
  }
  return out;
}
