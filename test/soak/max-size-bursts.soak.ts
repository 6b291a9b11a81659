// npm run test:soak — the largest calls the API allows, all at once, on PostgreSQL's default
// lock settings (max_connections 100, max_locks_per_transaction 64: 6,400 lock slots, as on
// Supabase): 8 concurrent 10,000-send records, 16 concurrent 1,000-event ACK batches racing them
// (half of each batch arrives before its send record), and an unrelated one-group sync every few
// milliseconds. Every call must succeed, no ACK may be lost, totals must equal the rows.
import { afterAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, type MessageErrorEvent } from "../../clients/ts/src/index.js";
import { campaignTotals, db, groupJid, newKey, uniqueSession, apiUrl } from "../support/env.js";
import { seededRandom, shuffle } from "../support/random.js";

const CAMPAIGNS = 8;
const SENDS = 10_000;
const ACK_BATCHES = 16;
const ACKS_PER_BATCH = 1000;

afterAll(() => db.end());

describe("soak: maximum-size calls at once, default lock table", () => {
  it("every call succeeds, nothing is lost, locks stay flat", async () => {
    const { rows: settings } = await db.query(
      "select current_setting('max_connections') as conns, current_setting('max_locks_per_transaction') as locks");
    expect(settings[0]).toEqual({ conns: "100", locks: "64" });
    const gateway = createGatewayClient({ url: apiUrl, apiKey: await newKey("gateway") });
    const crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm") });
    const random = seededRandom();

    const campaigns: { sessionId: string; campaignId: number; jids: string[] }[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const sessionId = uniqueSession("burst");
      const jids = Array.from({ length: SENDS }, () => groupJid());
      await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: id, size: 5 })) });
      const { campaignId } = await crm.createCampaign({ name: `burst ${c}`, message: "m", sessionId, groupJids: jids });
      campaigns.push({ sessionId, campaignId, jids });
    }
    const msgId = (c: number, i: number) => `B${c}X${i}`;

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
    const elapsed = Date.now() - started;

    const failures = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    expect(bystanderSyncs).toBeGreaterThan(0);

    for (const { campaignId } of campaigns) {
      const t = await campaignTotals(campaignId);
      expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
      expect(t.pending_count).toBe(0);
    }
    const { rows: lost } = await db.query(
      `select count(*)::int as n from notification_campaign_groups
       where message_id = any($1) and status <> 'failed'`, [acked.map(([c, i]) => msgId(c, i))]);
    expect(lost[0].n).toBe(0);
    const { rows: waiting } = await db.query(
      `select count(*)::int as n from message_error_inbox
       where message_id = any($1) and outcome = 'pending_match' and matched_at is null`, [acked.map(([c, i]) => msgId(c, i))]);
    expect(waiting[0].n).toBe(0);
    console.log(`burst: ${CAMPAIGNS}×${SENDS} sends + ${ACK_BATCHES}×${ACKS_PER_BATCH} ACKs in ${elapsed} ms; ` +
      `peak pg_locks ${peakLocks} of ${64 * 100} slots; ${bystanderSyncs} bystander syncs`);
    expect(peakLocks).toBeLessThan(1000);
  });
});
