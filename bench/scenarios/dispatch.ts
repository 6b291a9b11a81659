// Scenario 11: dispatch (issue 35). What the backend costs per dispatched message — one claim
// (POST /rpc/claim_sends) and its report (POST /rpc/record_message_sent, every send sent) through
// PostgREST with a gateway key — by claim size, and the highest rate one session reaches when its
// pace is out of the way: before each claim the session's next slot and day count are reset (an
// admin UPDATE, not timed), so the numbers are the calls' cost, never a wait for a slot. With 1 and
// 4 gateway processes (workers) claiming for the same session at once.
import type { BenchEnv } from "../lib/env.js";
import { makeCampaign } from "../lib/fixtures.js";
import { median, quantile, round, timed } from "../lib/stats.js";

export interface DispatchRow {
  workers: number;
  batch: number;
  messages: number;
  claimMedianMs: number;
  claimP95Ms: number;
  reportMedianMs: number;
  reportP95Ms: number;
  /** Claim + report, per message (medians). */
  perMessageMs: number;
  /** Messages claimed and reported per second of wall time, all workers together. */
  messagesPerSecond: number;
}

type Send = { campaignId: number; groupJid: string; messageId: string };

export async function dispatch(env: BenchEnv, plan: { workers: number; batch: number; messages: number }[]): Promise<DispatchRow[]> {
  const sessionId = "dispatch_bench";
  const size = plan.reduce((n, p) => n + p.messages, 0) + 100;
  const campaignId = await makeCampaign(env.db, sessionId, size);
  await env.db.query("select api.schedule_campaign(jsonb_build_object('campaignId', $1::bigint))", [campaignId]);
  await env.db.query("update session_dispatch set rate_per_minute = 120, jitter_seconds = 0, daily_cap = 1000000 where session_id = $1", [
    sessionId,
  ]);
  await env.db.query("vacuum analyze notification_campaign_groups");
  const call = async (rpc: string, body: unknown) => {
    const res = await fetch(`${env.ours.url}/rpc/${rpc}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": env.gatewayKey },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`dispatch bench: ${rpc} ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ sends: Send[] }>;
  };
  const out: DispatchRow[] = [];
  for (const p of plan) {
    const claims: number[] = [];
    const reports: number[] = [];
    let done = 0;
    const worker = async () => {
      while (done < p.messages) {
        await env.db.query("update session_dispatch set next_slot_at = null, cap_day_count = 0 where session_id = $1", [sessionId]);
        const [claimMs, claimed] = await timed(() => call("claim_sends", { sessionId, max: p.batch }));
        if (claimed.sends.length === 0) continue; // another worker took the slots of this moment
        const [reportMs] = await timed(() =>
          call("record_message_sent", {
            campaignId,
            sends: claimed.sends.map((s) => ({ groupJid: s.groupJid, messageId: s.messageId })),
          }),
        );
        claims.push(claimMs);
        reports.push(reportMs);
        done += claimed.sends.length;
      }
    };
    const [wallMs] = await timed(() => Promise.all(Array.from({ length: p.workers }, worker)));
    const row: DispatchRow = {
      workers: p.workers,
      batch: p.batch,
      messages: done,
      claimMedianMs: round(median(claims)),
      claimP95Ms: round(quantile(claims, 0.95)),
      reportMedianMs: round(median(reports)),
      reportP95Ms: round(quantile(reports, 0.95)),
      perMessageMs: round((median(claims) + median(reports)) / p.batch, 3),
      messagesPerSecond: Math.round((done / wallMs) * 1000),
    };
    console.log(
      `  ${p.workers} worker(s), claims of ${p.batch}: claim ${row.claimMedianMs} ms, report ${row.reportMedianMs} ms, ` +
        `${row.perMessageMs} ms per message, ${row.messagesPerSecond} messages/s`,
    );
    out.push(row);
  }
  return out;
}
