// The maximum-size burst shared by the soak files: 8 concurrent 10,000-send records, 16
// concurrent 1,000-event ACK batches racing them (half of each batch before its send record), and
// an unrelated one-group sync over and over, and retention (call internal.prune) over and over,
// deleting finished campaigns whose messages the ACK batches also name. Checks that every call
// succeeded, nothing was lost and the totals equal the rows; returns what it measured.
import { expect } from "vitest";
import { createCrmClient, createGatewayClient, type MessageErrorEvent } from "../../clients/ts/src/index.js";
import { db, newKey } from "../support/env.js";
import { campaignTotals, groupJid, uniqueSession } from "../support/fixtures.js";
import { seededRandom, shuffle } from "../support/random.js";

const CAMPAIGNS = 8;
const SENDS = 10_000;
const ACK_BATCHES = 16;
const ACKS_PER_BATCH = 1000;
const FINISHED = 4;
const FINISHED_ROWS = 2000;

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

  // Campaigns finished long ago (past retention): the prune deletes them during the burst, while
  // ACKs for their messages arrive in the same batches as the live ones.
  const finished: number[] = [];
  const oldId = (c: number, i: number) => `${label}old${c}X${i}`;
  for (let c = 0; c < FINISHED; c++) {
    const sessionId = uniqueSession(`${label}old`);
    const jids = Array.from({ length: FINISHED_ROWS }, () => groupJid());
    await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: id, size: 5 })) });
    const { campaignId } = await crm.createCampaign({ name: `${label} old ${c}`, message: "m", sessionId, groupJids: jids });
    await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: oldId(c, i) })) });
    finished.push(campaignId);
  }
  await db.query("update notification_campaigns set finished_at = now() - interval '400 days' where id = any($1)", [finished]);

  // 16,000 ACKs over the 80,000 messages, each batch spanning every campaign.
  const acked = shuffle(
    campaigns.flatMap((_, c) => Array.from({ length: SENDS }, (_, i) => [c, i] as const)),
    random,
  ).slice(0, ACK_BATCHES * ACKS_PER_BATCH);
  const batches: MessageErrorEvent[][] = Array.from({ length: ACK_BATCHES }, (_, b) =>
    acked.slice(b * ACKS_PER_BATCH, (b + 1) * ACKS_PER_BATCH).map(([c, i]) => ({
      event: "message_error",
      sessionId: campaigns[c]!.sessionId,
      messageId: msgId(c, i),
      errorCode: 420,
    })),
  );
  const oldAcks: MessageErrorEvent[][] = Array.from({ length: FINISHED }, (_, c) =>
    Array.from({ length: FINISHED_ROWS / 2 }, (_, i) => ({ event: "message_error" as const, messageId: oldId(c, i * 2), errorCode: 420 })),
  );

  let peakLocks = 0;
  let bursting = true;
  const sampler = (async () => {
    while (bursting) {
      const { rows } = await db.query("select count(*)::int as n from pg_locks");
      peakLocks = Math.max(peakLocks, rows[0].n);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let prunes = 0;
  let prunedCampaigns = 0;
  const retentionLoop = (async () => {
    while (bursting) {
      const { rows } = await db.query("call internal.prune(null)");
      prunedCampaigns += rows[0].deleted.finished_campaigns;
      prunes++;
      await new Promise((r) => setTimeout(r, 100));
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
      crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: msgId(c, i) })) }),
    ),
    ...batches.map((events) => gateway.recordMessageError({ events })),
    ...oldAcks.map((events) => gateway.recordMessageError({ events })),
  ]);
  bursting = false;
  await Promise.all([sampler, bystanderLoop, retentionLoop]);
  const elapsedMs = Date.now() - started;

  const failures = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
  expect(failures).toEqual([]);
  expect(bystanderSyncs).toBeGreaterThan(0);
  expect(prunes).toBeGreaterThan(0);
  // Whatever the prune skipped while busy goes on the next run.
  const {
    rows: [last],
  } = await db.query("call internal.prune(null)");
  prunedCampaigns += last.deleted.finished_campaigns;
  expect(prunedCampaigns).toBe(FINISHED);
  for (const { campaignId } of campaigns) {
    const t = await campaignTotals(campaignId);
    expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
    expect(t.pending_count).toBe(0);
  }
  const ids = acked.map(([c, i]) => msgId(c, i));
  const { rows: lost } = await db.query(
    "select count(*)::int as n from notification_campaign_groups where message_id = any($1) and status <> 'failed'",
    [ids],
  );
  expect(lost[0].n).toBe(0);
  const { rows: waiting } = await db.query(
    `select count(*)::int as n from message_error_inbox
     where message_id = any($1) and outcome = 'pending_match' and matched_at is null`,
    [ids],
  );
  expect(waiting[0].n).toBe(0);
  return { elapsedMs, peakLocks, bystanderSyncs, prunes, sends: CAMPAIGNS * SENDS, acks: ACK_BATCHES * ACKS_PER_BATCH };
}
