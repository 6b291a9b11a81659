// The maximum-size burst shared by the soak files: 8 concurrent 10,000-send records, 16
// concurrent 1,000-event ACK batches racing them (half of each batch before its send record), and
// an unrelated one-group sync over and over. Checks that every call succeeded, nothing was lost
// and the totals equal the rows; returns what it measured.
import { expect } from "vitest";
import { createCrmClient, createGatewayClient, type MessageErrorEvent } from "../../clients/ts/src/index.js";
import { db, newKey } from "../support/env.js";
import { campaignTotals, groupJid, uniqueSession } from "../support/fixtures.js";
import { seededRandom, shuffle } from "../support/random.js";

const CAMPAIGNS = 8;
const SENDS = 10_000;
const ACK_BATCHES = 16;
const ACKS_PER_BATCH = 1000;

export async function maximumSizeBurst(apiUrl: string, label: string) {
  const gateway = createGatewayClient({ url: apiUrl, apiKey: await newKey("gateway") });
  const crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm") });
  const random = seededRandom();

  const campaigns: { sessionId: string; campaignId: number; jids: string[] }[] = [];
  for (let c = 0; c < CAMPAIGNS; c++) {
    const sessionId = uniqueSession(label);
    const jids = Array.from({ length: SENDS }, () => groupJid());
    await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: id, size: 5 })) });
    const { campaignId } = await crm.createCampaign({ name: `${label} ${c}`, message: "m", sessionId, groupJids: jids });
    campaigns.push({ sessionId, campaignId, jids });
  }
  const msgId = (c: number, i: number) => `${label}${c}X${i}`;

  // 16,000 ACKs over the 80,000 messages, each batch spanning every campaign.
  const acked = shuffle(campaigns.flatMap((_, c) => Array.from({ length: SENDS }, (_, i) => [c, i] as const)), random)
    .slice(0, ACK_BATCHES * ACKS_PER_BATCH);
  const batches: MessageErrorEvent[][] = Array.from({ length: ACK_BATCHES }, (_, b) =>
    acked.slice(b * ACKS_PER_BATCH, (b + 1) * ACKS_PER_BATCH).map(([c, i]) => ({
      event: "message_error", sessionId: campaigns[c]!.sessionId, messageId: msgId(c, i), errorCode: 420,
    })));

  let peakLocks = 0;
  let bursting = true;
  const sampler = (async () => {
    while (bursting) {
      const { rows } = await db.query("select count(*)::int as n from pg_locks");
      peakLocks = Math.max(peakLocks, rows[0].n);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const bystander = uniqueSession("bystander");
  let bystanderSyncs = 0;
  const bystanderLoop = (async () => {
    while (bursting) {
      await gateway.syncGroups({ sessionId: bystander, groups: [{ id: groupJid(), subject: "b" }] });
      bystanderSyncs++;
    }
  })();

  const started = Date.now();
  const results = await Promise.allSettled([
    ...campaigns.map(({ campaignId, jids }, c) =>
      crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: msgId(c, i) })) })),
    ...batches.map((events) => gateway.recordMessageError({ events })),
  ]);
  bursting = false;
  await Promise.all([sampler, bystanderLoop]);
  const elapsedMs = Date.now() - started;

  const failures = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
  expect(failures).toEqual([]);
  expect(bystanderSyncs).toBeGreaterThan(0);
  for (const { campaignId } of campaigns) {
    const t = await campaignTotals(campaignId);
    expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
    expect(t.pending_count).toBe(0);
  }
  const ids = acked.map(([c, i]) => msgId(c, i));
  const { rows: lost } = await db.query(
    "select count(*)::int as n from notification_campaign_groups where message_id = any($1) and status <> 'failed'", [ids]);
  expect(lost[0].n).toBe(0);
  const { rows: waiting } = await db.query(
    `select count(*)::int as n from message_error_inbox
     where message_id = any($1) and outcome = 'pending_match' and matched_at is null`, [ids]);
  expect(waiting[0].n).toBe(0);
  return { elapsedMs, peakLocks, bystanderSyncs, sends: CAMPAIGNS * SENDS, acks: ACK_BATCHES * ACKS_PER_BATCH };
}
