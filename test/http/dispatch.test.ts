// HTTP: dispatch through real PostgREST. Gateways claim a session's due sends (claim_sends) and
// report them (record_message_sent): concurrent claimers never share a row; the notBefore slots of
// any number of claimers never exceed the session's rate in any 60 s window (asserted on the slots,
// never on wall time); a 463 stops the next claim of that session only; an unreported row is
// claimed again after its lease with the same message id, and a result after the lease is recorded
// once; claims racing reports, error ACKs (463 among them), a cancel and an expiring window of the
// same session never deadlock (one lock order: docs/design.md, "Locks").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { campaignTotals, seedSession } from "../support/fixtures.js";
import { seededRandom } from "../support/random.js";
import { until } from "../support/wait.js";

type Send = { campaignId: number; groupJid: string; text: string; messageId: string; notBefore: string; leaseUntil: string };
type Claim = { sends: Send[]; nextAt: string | null; held: null | { reason: string; message: string; since: string | null } };

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => {
  ({ gw, crm } = await roleHeaders());
});
afterAll(() => db.end());

/** A session with `n` groups, a scheduled campaign over them, and the session's pace. */
async function dispatching(n: number, pace: Record<string, number>) {
  const { sessionId, jids } = await seedSession(gw["x-api-key"]!, n, "disp");
  const created = await post("/rpc/create_campaign", { name: "d", message: "Hello", sessionId, status: "scheduled", groupJids: jids }, crm);
  expect(created.status, created.text).toBe(200);
  const configured = await post("/rpc/configure_session", { sessionId, ...pace }, crm);
  expect(configured.status, configured.text).toBe(200);
  return { sessionId, jids, campaignId: created.json.campaignId as number };
}

async function claim(sessionId: string, max?: number): Promise<Claim> {
  const r = await post("/rpc/claim_sends", max === undefined ? { sessionId } : { sessionId, max }, gw);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

describe("dispatch", () => {
  it("4 concurrent claimers never get the same row, and together get every row once", async () => {
    const { sessionId, jids, campaignId } = await dispatching(60, { ratePerMinute: 120, jitterSeconds: 0 });
    const claimer = async () => {
      const got: Send[] = [];
      for (;;) {
        const c = await claim(sessionId, 4);
        if (c.sends.length === 0) return got;
        got.push(...c.sends);
      }
    };
    const all = (await Promise.all([claimer(), claimer(), claimer(), claimer()])).flat();
    expect(all.length).toBe(60);
    expect(new Set(all.map((s) => s.groupJid))).toEqual(new Set(jids));
    expect(new Set(all.map((s) => s.messageId)).size).toBe(60);
    expect(all.every((s) => /^3EB0[0-9A-F]{18}$/.test(s.messageId) && s.campaignId === campaignId && s.text === "Hello")).toBe(true);
    // Their slots too are all different, at least 60/rate s apart.
    const slots = all.map((s) => Date.parse(s.notBefore)).sort((a, b) => a - b);
    expect(slots.slice(1).every((t, i) => t - slots[i]! >= 500)).toBe(true);
  });

  it("the slots of 4 concurrent claimers never exceed the rate in any 60 s window", async () => {
    const rate = 12;
    const { sessionId } = await dispatching(40, { ratePerMinute: rate, jitterSeconds: 2 });
    const claims = await Promise.all([1, 2, 3, 4].map(() => claim(sessionId, 50)));
    const slots = claims
      .flatMap((c) => c.sends)
      .map((s) => Date.parse(s.notBefore))
      .sort((a, b) => a - b);
    expect(slots.length).toBeGreaterThanOrEqual(rate / 2); // the horizon (60 s) holds several slots
    for (const [i, t] of slots.entries()) {
      expect(slots.filter((u) => u >= t && u < t + 60_000).length, `window from slot ${i}`).toBeLessThanOrEqual(rate);
      if (i > 0) {
        expect(t - slots[i - 1]!).toBeGreaterThanOrEqual(60_000 / rate);
        expect(t - slots[i - 1]!).toBeLessThanOrEqual(60_000 / rate + 2_000);
      }
    }
    // Nothing more fits the horizon now: the next claim says when to come back.
    const next = await claim(sessionId, 50);
    expect(next.sends).toEqual([]);
    expect(Date.parse(next.nextAt!)).toBeGreaterThan(slots.at(-1)! - 60_000);
  });

  it("a 463 stops the session's next claim; another session claims on", async () => {
    const a = await dispatching(4, { ratePerMinute: 120, jitterSeconds: 0 });
    const b = await dispatching(4, { ratePerMinute: 120, jitterSeconds: 0 });
    const [first] = (await claim(a.sessionId, 1)).sends;
    const sent = await post(
      "/rpc/record_message_sent",
      { campaignId: a.campaignId, sends: [{ groupJid: first!.groupJid, messageId: first!.messageId }] },
      gw,
    );
    expect(sent.json.sent).toBe(1);
    const ack = await post(
      "/rpc/record_message_error",
      { sessionId: a.sessionId, messageId: first!.messageId, errorCode: "463", groupJid: first!.groupJid },
      gw,
    );
    expect(ack.status, ack.text).toBe(200);
    const held = await claim(a.sessionId);
    expect(held.sends).toEqual([]);
    expect(held.held?.reason).toBe("session_restricted");
    expect(held.nextAt).toBeNull();
    const other = await claim(b.sessionId);
    expect(other.held).toBeNull();
    expect(other.sends.length).toBe(4);
    // Its own pace: its first slot is not after a's.
    expect(Date.parse(other.sends[0]!.notBefore)).toBeLessThanOrEqual(Date.parse(first!.notBefore) + 60_000);
  });

  it("an unreported row is claimed again after its lease with the same id; a late result is recorded once", async () => {
    const { sessionId, campaignId } = await dispatching(1, { ratePerMinute: 120, jitterSeconds: 0, leaseSeconds: 1 });
    const [first] = (await claim(sessionId)).sends;
    expect(first).toBeDefined();
    // The lease is 1 s: wait for the row to come back (the database's clock decides).
    const again = await until(async () => (await claim(sessionId)).sends[0]);
    expect(again.groupJid).toBe(first!.groupJid);
    expect(again.messageId).toBe(first!.messageId);
    expect(Date.parse(again.leaseUntil)).toBeGreaterThan(Date.parse(first!.leaseUntil));
    // The first claimer reports after its lease ended, then the second reports the same send.
    const late = await post(
      "/rpc/record_message_sent",
      { campaignId, sends: [{ groupJid: first!.groupJid, messageId: first!.messageId }] },
      gw,
    );
    expect(late.json).toMatchObject({ sent: 1, unchanged: 0 });
    const repeat = await post(
      "/rpc/record_message_sent",
      { campaignId, sends: [{ groupJid: again.groupJid, messageId: again.messageId }] },
      gw,
    );
    expect(repeat.json).toMatchObject({ sent: 0, unchanged: 1 });
    expect(await campaignTotals(campaignId)).toMatchObject({ sent_count: 1, sent_rows: 1, pending_count: 0 });
    const { rows } = await db.query(
      "select claim_count, message_id, dispatch_message_id from notification_campaign_groups where campaign_id = $1",
      [campaignId],
    );
    expect(rows[0]).toEqual({ claim_count: 2, message_id: first!.messageId, dispatch_message_id: first!.messageId });
    expect((await claim(sessionId)).sends).toEqual([]);
  });

  it("claims racing reports, ACKs, a cancel and an expiry: no deadlock, every answer coded, totals exact (seeded rounds)", async () => {
    const random = seededRandom();
    const answers = new Map<string, number>();
    const note = (what: string, r: { status: number; json: { code?: string } }) => {
      const key = `${what} ${r.status}${r.json?.code ? ` ${r.json.code}` : ""}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
      expect(r.status, key).toBeLessThan(500);
    };
    for (let round = 0; round < 6; round++) {
      const a = await dispatching(30, { ratePerMinute: 120, jitterSeconds: 0, maxConsecutiveFailures: 1000 });
      // A second campaign of the same session, whose window closes during the round.
      const second = await post(
        "/rpc/create_campaign",
        { name: "w", message: "m", sessionId: a.sessionId, status: "scheduled", groupJids: a.jids.slice(0, 20) },
        crm,
      );
      const claimer = async () => {
        for (let k = 0; k < 10; k++) {
          const r = await post("/rpc/claim_sends", { sessionId: a.sessionId, max: 3 }, gw);
          note("claim", r);
          const sends = (r.json.sends ?? []) as Send[];
          for (const campaignId of new Set(sends.map((s) => s.campaignId))) {
            const mine = sends.filter((s) => s.campaignId === campaignId);
            const rep = await post(
              "/rpc/record_message_sent",
              {
                campaignId,
                sends: mine.map((s) =>
                  random() < 0.8
                    ? { groupJid: s.groupJid, messageId: s.messageId }
                    : { groupJid: s.groupJid, errorCode: 500, errorMessage: "x" },
                ),
              },
              gw,
            );
            note("report", rep);
            if (random() < 0.3 && mine[0]) {
              const code = random() < 0.05 ? 463 : 420;
              note(
                "ack",
                await post("/rpc/record_message_error", { sessionId: a.sessionId, messageId: mine[0].messageId, errorCode: code }, gw),
              );
            }
          }
        }
      };
      const operator = async () => {
        await new Promise((r) => setTimeout(r, 20 + random() * 150));
        note("cancel", await post("/rpc/cancel_campaign", { campaignId: a.campaignId }, crm));
        await db.query("update notification_campaigns set send_before = now() where id = $1", [second.json.campaignId]);
        note("configure", await post("/rpc/configure_session", { sessionId: a.sessionId, ratePerMinute: 100 }, crm));
      };
      await Promise.all([claimer(), claimer(), claimer(), operator()]);
      for (const id of [a.campaignId, second.json.campaignId as number]) {
        const t = await campaignTotals(id);
        expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([
          t.rows,
          t.pending_rows,
          t.sent_rows,
          t.failed_rows,
        ]);
      }
    }
    // Only coded refusals: a report for a cancelled campaign's rows (409 campaign_cancelled), a cancel
    // of a campaign that finished first (409 invalid_transition).
    const refusals = [...answers.keys()].filter((k) => !/ 200$/.test(k));
    expect(refusals.filter((k) => !/^(report 409 campaign_cancelled|cancel 409 invalid_transition)$/.test(k))).toEqual([]);
    expect(answers.get("report 200") ?? 0).toBeGreaterThan(20); // the rounds did race: sends were claimed and reported
  });
});
