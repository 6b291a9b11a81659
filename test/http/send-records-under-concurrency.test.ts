// HTTP: send records racing each other, early ACKs and syncs. Exactly one send result wins per
// group (the other gets 409 send_conflict), a failure recorded by an ACK is never overwritten, the
// inbox never claims an outcome that is not on the row, and a campaign racing a sync that turns
// one of its groups into a community parent gets one of our codes, never a constraint name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, campaignTotals, seedSession } from "../support/fixtures.js";
import { pool } from "../support/random.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

const PAIRS = 60;

describe("send records under concurrency", () => {
  it("two send records for one group with different message ids: one 200, one 409", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, PAIRS, "race");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "race", message: "m", sessionId, groupJids: jids }, crm);
    const outcomes: string[] = [];
    await pool(jids, 8, async (groupJid) => {
      const [a, b] = await Promise.all(
        ["A", "B"].map((v) => post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid, messageId: `${groupJid}-${v}` }] }, crm)),
      );
      outcomes.push([a!.status, b!.status].sort().join("/"));
      for (const r of [a!, b!]) if (r.status === 409) expect(r.json.code).toBe("send_conflict");
    });
    expect(outcomes.filter((o) => o !== "200/409")).toEqual([]);
    const t = await campaignTotals(campaignId);
    expect([t.sent_count, t.sent_rows, t.pending_count]).toEqual([PAIRS, PAIRS, 0]);
  });

  it("an early ACK's failure is never overwritten by a competing send record", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, PAIRS, "early");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "early", message: "m", sessionId, groupJids: jids }, crm);
    // The ACK for message <jid>-A arrives first; then A and B are recorded at the same instant.
    await post("/rpc/record_message_error", { events: jids.map((j) => ({ sessionId, messageId: `${j}-A`, errorCode: 420 })) }, gw);
    await pool(jids, 8, async (groupJid) => {
      const rs = await Promise.all(
        ["A", "B"].map((v) => post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid, messageId: `${groupJid}-${v}` }] }, crm)),
      );
      expect(rs.map((r) => r.status).sort()).toEqual([200, 409]);
    });
    const { rows } = await db.query(
      `select r.message_id, r.status, r.error_code, i.resolution
       from notification_campaign_groups r
       left join message_error_inbox i on i.message_id = r.group_jid || '-A'
       where r.campaign_id = $1`,
      [campaignId],
    );
    for (const r of rows) {
      // Whoever won, the row and the inbox agree.
      if (r.message_id.endsWith("-A")) expect([r.status, r.error_code, r.resolution]).toEqual(["failed", 420, "applied"]);
      else expect([r.status, r.error_code, r.resolution]).toEqual(["sent", null, null]);
    }
    const t = await campaignTotals(campaignId);
    expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
  });

  it("a campaign racing a sync that turns its group into a community parent: 200 or 422, coded", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2000, "parent");
    const answers: string[] = [];
    for (let round = 0; round < 24; round++) {
      // The sync reports one group, now a community parent: it deletes that group (and
      // deactivates the rest) while the campaign over all of them is being created.
      const [created, synced] = await Promise.all([
        post("/rpc/create_campaign", { name: "p", message: "m", sessionId, groupJids: jids }, crm),
        new Promise((r) => setTimeout(r, 10 * (round % 12))).then(() =>
          post("/rpc/sync_groups", { sessionId, groups: [baileysGroup(jids[round]!, { isCommunity: true }, 1)] }, gw),
        ),
      ]);
      expect(synced.status).toBe(200);
      answers.push(`${created.status} ${created.json.code ?? ""}`.trim());
      await post("/rpc/sync_groups", { sessionId, groups: jids.map((j) => baileysGroup(j, {}, 1)) }, gw);
    }
    expect(answers.filter((a) => a !== "200" && a !== "422 unsendable_groups")).toEqual([]);
  });
});
