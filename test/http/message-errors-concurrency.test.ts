// HTTP: 2,000+ error ACKs from 16 concurrent clients at one campaign, with duplicates, ACKs
// that arrive before their send record, and send records posted at the same time. Afterwards the
// totals equal the row counts, every ACK is in the inbox, and nothing answered 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { campaignTotals, seedSession } from "../support/fixtures.js";
import { pool, seededRandom, shuffle as shuffleWith } from "../support/random.js";

const GROUPS = 2000;
const CLIENTS = 16;

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

const random = seededRandom();
const shuffle = <T>(a: T[]) => shuffleWith(a, random);

describe("error ACKs under concurrency", () => {
  it("keeps every ACK and exact totals", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, GROUPS, "conc");
    const created = await post("/rpc/create_campaign", { name: "concurrency", message: "hi", sessionId, groupJids: jids }, crm);
    expect(created.status).toBe(200);
    const campaignId: number = created.json.campaignId;
    const msgId = (i: number) => `${sessionId}_M${i}`;

    // 85% of the groups get an error ACK; 20% of those ACKs are delivered twice.
    const failing = shuffle(jids.map((_, i) => i)).slice(0, Math.floor(GROUPS * 0.85));
    const acks = [...failing, ...failing.slice(0, Math.floor(failing.length * 0.2))];
    shuffle(acks);
    const early = new Set(acks.slice(0, Math.floor(acks.length * 0.1))); // arrive before the send record
    const statuses: number[] = [];
    const unexpected: string[] = [];
    const fire = async (i: number) => {
      const r = await post(
        "/rpc/record_message_error",
        {
          event: "message_error",
          sessionId,
          messageId: msgId(i),
          groupJid: jids[i],
          errorCode: i % 2 ? 420 : "463",
          errorMessage: "rejected",
        },
        gw,
      );
      statuses.push(r.status);
      if (r.status !== 200) unexpected.push(`${r.status} ${r.text}`);
    };

    // 10% of the ACKs first, for messages whose send record comes last.
    const earlyAcks = acks.filter((i) => early.has(i));
    await pool(earlyAcks, CLIENTS, fire);

    const lateSends = new Set(earlyAcks);
    const order = [...jids.keys()].filter((i) => !lateSends.has(i));
    shuffle(order);
    const batches: number[][] = [];
    for (let k = 0; k < order.length; k += 100) batches.push(order.slice(k, k + 100));
    batches.push([...lateSends]);
    const sendStatuses: number[] = [];
    const sends = pool(batches, 4, async (batch) => {
      const r = await post(
        "/rpc/record_message_sent",
        {
          campaignId,
          sends: batch.map((i) => ({ groupJid: jids[i], messageId: msgId(i) })),
        },
        crm,
      );
      sendStatuses.push(r.status);
      if (r.status !== 200) unexpected.push(`${r.status} ${r.text}`);
    });
    const rest = pool(
      acks.filter((i) => !early.has(i)),
      CLIENTS,
      fire,
    );
    await Promise.all([sends, rest]);

    expect(acks.length).toBeGreaterThanOrEqual(2000);
    expect(unexpected).toEqual([]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(sendStatuses.filter((s) => s !== 200)).toEqual([]);

    const t = await campaignTotals(campaignId);
    expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
    expect(t).toMatchObject({
      total_groups: GROUPS,
      pending_count: 0,
      failed_count: failing.length,
      sent_count: GROUPS - failing.length,
      status: "partial_failure",
    });

    const inbox = await db.query(
      `select count(*)::int as n,
              count(*) filter (where outcome = 'pending_match')::int as early,
              count(*) filter (where outcome = 'pending_match' and matched_at is null)::int as unmatched
       from message_error_inbox where session_id = $1`,
      [sessionId],
    );
    expect(inbox.rows[0].n).toBe(acks.length);
    expect(inbox.rows[0].early).toBeGreaterThanOrEqual(earlyAcks.length);
    expect(inbox.rows[0].unmatched).toBe(0);

    const lost = await db.query(
      `select count(*)::int as n from notification_campaign_groups
       where campaign_id = $1 and message_id = any($2) and status <> 'failed'`,
      [campaignId, failing.map(msgId)],
    );
    expect(lost.rows[0].n).toBe(0);
  });
});
