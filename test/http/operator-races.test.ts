// HTTP: what operators and the CRM do while gateways post. A cancel racing send records, and
// retention racing ACK batches, in seeded rounds: never a 5xx, never a batch refused because of
// the other, never a failure of a live campaign lost, and every campaign's totals equal its rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { campaignTotals, seedSession } from "../support/fixtures.js";
import { seededRandom } from "../support/random.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

const random = seededRandom();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function totalsEqualRows(campaignId: number) {
  const t = await campaignTotals(campaignId);
  const {
    rows: [c],
  } = await db.query(
    `select cancelled_count, (select count(*)::int from notification_campaign_groups g
                              where g.campaign_id = c.id and g.status = 'cancelled') as cancelled_rows
     from notification_campaigns c where c.id = $1`,
    [campaignId],
  );
  expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count, c.cancelled_count]).toEqual([
    t.rows,
    t.pending_rows,
    t.sent_rows,
    t.failed_rows,
    c.cancelled_rows,
  ]);
}

describe("cancel racing send records", () => {
  it("one lock order: no deadlock, every answer coded, totals exact (30 seeded rounds)", async () => {
    const answers: string[] = [];
    for (let round = 0; round < 30; round++) {
      // 50 groups, 40 of them sent: the campaign always has groups left to cancel.
      const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 50, `cx${round}`);
      const {
        json: { campaignId },
      } = await post("/rpc/create_campaign", { name: "cancel race", message: "m", sessionId, groupJids: jids }, crm);
      // Four send records of ten groups each (in shuffled order within a call) and a cancel,
      // started a few milliseconds apart in a seeded order.
      const calls = [0, 1, 2, 3].map((k) => async () => {
        const part = jids.slice(k * 10, k * 10 + 10).sort(() => random() - 0.5);
        const r = await post(
          "/rpc/record_message_sent",
          { campaignId, sends: part.map((groupJid) => ({ groupJid, messageId: `${sessionId}-${groupJid}` })) },
          crm,
        );
        return `send ${r.status} ${r.json.code ?? ""}`.trim();
      });
      calls.splice(Math.floor(random() * 5), 0, async () => {
        const r = await post("/rpc/cancel_campaign", { campaignId }, crm);
        return `cancel ${r.status} ${r.json.code ?? ""}`.trim();
      });
      const round_ = await Promise.all(
        calls.map(async (call, i) => {
          await pause(Math.floor(random() * 3) * i);
          return call();
        }),
      );
      expect(
        round_.filter((a) => !["send 200", "send 409 campaign_cancelled", "cancel 200"].includes(a)),
        `round ${round}`,
      ).toEqual([]);
      answers.push(...round_);
      await totalsEqualRows(campaignId);
      const {
        rows: [c],
      } = await db.query("select status from notification_campaigns where id = $1", [campaignId]);
      expect(c.status).toBe("cancelled");
    }
    // Both orders happened: some sends won, some were refused after the cancel.
    expect(answers).toContain("send 200");
    expect(answers).toContain("send 409 campaign_cancelled");
  });
});

const PRUNE = process.env.OLD_PRUNE ? "select internal.prune() as deleted" : "call internal.prune(null)";
describe("retention racing ACK batches", () => {
  it("a batch naming a campaign being pruned is never refused, and a live campaign's failures are kept (12 seeded rounds)", async () => {
    const seen = new Set<string>();
    for (let round = 0; round < 12; round++) {
      // A finished campaign past its retention (400 rows) and a live one (20 rows), both sent.
      const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 420, `px${round}`);
      const old = jids.slice(0, 400);
      const live = jids.slice(400);
      const make = async (groupJids: string[], name: string) => {
        const {
          json: { campaignId },
        } = await post("/rpc/create_campaign", { name, message: "m", sessionId, groupJids }, crm);
        const r = await post(
          "/rpc/record_message_sent",
          { campaignId, sends: groupJids.map((groupJid) => ({ groupJid, messageId: `${sessionId}-${groupJid}` })) },
          crm,
        );
        expect(r.status).toBe(200);
        return campaignId as number;
      };
      const oldId = await make(old, "finished long ago");
      const liveId = await make(live, "live");
      await db.query("update notification_campaigns set finished_at = now() - interval '400 days' where id = $1", [oldId]);

      // One batch: errors for the live campaign's messages and for the finished one's, shuffled.
      const events = [...old.slice(0, 300), ...live]
        .map((g) => ({ sessionId, messageId: `${sessionId}-${g}`, errorCode: 420 }))
        .sort(() => random() - 0.5);
      const [ack, pruned] = await Promise.all([
        pause(Math.floor(random() * 8)).then(() => post("/rpc/record_message_error", { events }, gw)),
        pause(Math.floor(random() * 8)).then(() => db.query(PRUNE)),
      ]);
      expect([ack.status, ack.json.code], `round ${round}: ${ack.text.slice(0, 300)}`).toEqual([200, undefined]);
      expect(pruned.rows[0].deleted.finished_campaigns, `round ${round}`).toBeGreaterThanOrEqual(0);
      // Every failure of the live campaign was applied, and its totals are exact.
      const byId = new Map<string, string>(ack.json.results.map((r: { messageId: string; outcome: string }) => [r.messageId, r.outcome]));
      for (const g of live) expect(byId.get(`${sessionId}-${g}`)).toBe("applied");
      const t = await campaignTotals(liveId);
      expect([t.failed_count, t.failed_rows, t.total_groups, t.rows]).toEqual([20, 20, 20, 20]);
      // The finished campaign's ACKs: applied (before the prune) or kept like any unknown message.
      for (const g of old.slice(0, 300)) expect(["applied", "pending_match"]).toContain(byId.get(`${sessionId}-${g}`));
      seen.add(`ack ${byId.get(`${sessionId}-${old[0]}`)}`);
      seen.add(`prune ${pruned.rows[0].deleted.finished_campaigns ? "deleted" : "skipped"}`);
      // Whatever the order, the prune ends with the finished campaign gone (it retries what it skipped).
      const { rows } = await db.query("select count(*)::int as n from notification_campaigns where id = $1", [oldId]);
      if (rows[0].n) await db.query(PRUNE);
      const { rows: after } = await db.query(
        `select (select count(*)::int from notification_campaigns where id = $1) as campaigns,
                (select count(*)::int from message_id_locks where message_id like $2 || '-%') as locks`,
        [oldId, sessionId],
      );
      // Lock rows go with what they guard: the live campaign's, and those of ACKs kept waiting.
      const waiting = old.slice(0, 300).filter((g) => byId.get(`${sessionId}-${g}`) === "pending_match").length;
      expect(after[0]).toEqual({ campaigns: 0, locks: 20 + waiting });
    }
    console.log(`retention race outcomes: ${[...seen].sort().join(", ")}`);
  });
});

describe("retention skips what is in use", () => {
  it("a campaign whose row a transaction holds is skipped, retried, and left for the next run; nothing else waits", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 3, "held");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "held", message: "m", sessionId, groupJids: jids }, crm);
    await post(
      "/rpc/record_message_sent",
      { campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: `${sessionId}-H${i}` })) },
      crm,
    );
    await db.query("update notification_campaigns set finished_at = now() - interval '400 days' where id = $1", [campaignId]);
    const holder = await db.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from notification_campaign_groups where campaign_id = $1 limit 1 for update", [campaignId]);
      const {
        rows: [{ deleted }],
      } = await db.query("call internal.prune(null)");
      expect(deleted.skipped).toBeGreaterThanOrEqual(1);
      expect((await db.query("select count(*)::int as n from notification_campaigns where id = $1", [campaignId])).rows[0].n).toBe(1);
    } finally {
      await holder.query("rollback");
      holder.release();
    }
    const {
      rows: [{ deleted }],
    } = await db.query("call internal.prune(null)");
    expect(deleted.finished_campaigns).toBeGreaterThanOrEqual(1);
    expect((await db.query("select count(*)::int as n from notification_campaigns where id = $1", [campaignId])).rows[0].n).toBe(0);
    // An ACK for one of its messages now is kept like any ACK for an unknown message.
    const late = await post("/rpc/record_message_error", { sessionId, messageId: `${sessionId}-H0`, errorCode: 420 }, gw);
    expect([late.status, late.json.results[0].outcome]).toEqual([200, "pending_match"]);
  });
});
