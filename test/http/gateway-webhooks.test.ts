// Evolution API and WAHA pointed straight at the backend (issue: plug in without gateway code):
// their webhook bodies posted through PostgREST as they post them, with the rows, totals,
// delivered/read counts and session flags checked against the rows themselves.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiUrl, db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, campaignTotals, groupJid, seedSession, uniqueSession } from "../support/fixtures.js";
import { evolutionEnvelope, evolutionMessageUpdate, wahaEnvelope, wahaGowsReceipt, wahaNowebError } from "../fixtures/gateway-payloads.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

async function campaignWithSends(n: number, prefix: string) {
  const { sessionId, jids } = await seedSession(gw["x-api-key"]!, n, prefix);
  const {
    json: { campaignId },
  } = await post("/rpc/create_campaign", { name: prefix, message: "m", sessionId, groupJids: jids }, crm);
  const ids = jids.map((_, i) => `3EB0${prefix.toUpperCase()}${String(i).padStart(6, "0")}`);
  return { sessionId, jids, campaignId: campaignId as number, ids };
}

async function progressCounts(campaignId: number) {
  const { rows } = await db.query(
    `select c.delivered_count, c.read_count,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.delivered_at is not null) as delivered_rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.read_at is not null) as read_rows
     from notification_campaigns c where c.id = $1`,
    [campaignId],
  );
  return rows[0];
}

describe("Evolution API and WAHA webhooks", () => {
  it("a campaign fed by Baileys, Evolution and WAHA events ends with totals, delivered and read counts equal to its rows", async () => {
    const { sessionId, jids, campaignId, ids } = await campaignWithSends(12, "mix");
    // Progress for two messages arrives before their send is recorded (kept, applied at the send).
    expect(
      (
        await post(
          "/rpc/waha_webhook",
          wahaGowsReceipt(sessionId, jids[10]!, ids[10]!, "5511900000001@c.us", "read", "2026-11-25T12:00:00Z"),
          gw,
        )
      ).json.progress.pending_match,
    ).toBe(1);
    await post("/rpc/evolution_webhook", evolutionMessageUpdate(sessionId, ids[11]!, jids[11]!, "DELIVERY_ACK"), gw);
    const sent = await post(
      "/rpc/record_message_sent",
      { campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: ids[i] })) },
      crm,
    );
    expect(sent.status).toBe(200);

    // Baileys (through our RPCs, as the client's helpers post): an error, a delivery.
    await post("/rpc/record_message_error", { sessionId, messageId: ids[0], errorCode: 420 }, gw);
    await post("/rpc/record_message_status", { events: [{ sessionId, messageId: ids[1], status: "delivered" }] }, gw);
    // Evolution: an error (no code: Evolution drops it), delivered, then read, then a duplicate.
    for (const [i, st] of [
      [2, "ERROR"],
      [3, "DELIVERY_ACK"],
      [4, "READ"],
      [4, "DELIVERY_ACK"],
      [4, "READ"],
      [5, "SERVER_ACK"],
    ] as const) {
      const r = await post("/rpc/evolution_webhook", evolutionMessageUpdate(sessionId, ids[i]!, jids[i]!, st), gw);
      expect(r.status, r.text).toBe(200);
    }
    // WAHA: an error with the code NOWEB puts in payload.error, GOWS delivered, read, played, a
    // repeated delivery arriving last (out of order).
    const who = "5511900000001@c.us",
      at = "2026-11-25T12:00:00Z";
    const wahaEvents = [
      wahaNowebError(sessionId, jids[6]!, ids[6]!, "420"),
      wahaGowsReceipt(sessionId, jids[7]!, ids[7]!, who, "", at),
      wahaGowsReceipt(sessionId, jids[8]!, ids[8]!, who, "read", at),
      wahaGowsReceipt(sessionId, jids[9]!, ids[9]!, who, "played", at),
      wahaGowsReceipt(sessionId, jids[7]!, ids[7]!, who, "", at),
    ];
    for (const body of wahaEvents) expect((await post("/rpc/waha_webhook", body, gw)).status).toBe(200);
    // Earlier wins and later never moves it; but never before the send (clock skew) nor in the future.
    await post("/rpc/record_message_status", { sessionId, messageId: ids[1], status: "read", at: "2099-01-01T00:00:00Z" }, gw);
    await post("/rpc/record_message_status", { sessionId, messageId: ids[1], status: "read", at: "2020-01-01T00:00:00Z" }, gw);
    const after = await db.query("select read_at, delivered_at, sent_at from notification_campaign_groups where message_id = $1", [ids[1]]);
    expect(after.rows[0].read_at.toISOString()).toBe(after.rows[0].sent_at.toISOString());
    expect(after.rows[0].delivered_at.toISOString()).toBe(after.rows[0].sent_at.toISOString()); // read implies delivered

    const rows = await db.query(
      `select message_id, status, error_code, delivered_at is not null as d, read_at is not null as r
      from notification_campaign_groups where campaign_id = $1`,
      [campaignId],
    );
    const by = new Map(rows.rows.map((r) => [r.message_id, r]));
    expect([0, 2, 6].map((i) => [by.get(ids[i])!.status, by.get(ids[i])!.error_code])).toEqual([
      ["failed", 420],
      ["failed", null],
      ["failed", 420],
    ]);
    expect([1, 3, 4, 7, 8, 9, 10, 11].map((i) => by.get(ids[i])!.d)).toEqual(Array(8).fill(true));
    expect([1, 4, 8, 9, 10].map((i) => by.get(ids[i])!.r)).toEqual(Array(5).fill(true));
    expect([5].map((i) => by.get(ids[i])!.d)).toEqual([false]);

    const t = await campaignTotals(campaignId);
    expect([t.failed_count, t.sent_count, t.total_groups]).toEqual([t.failed_rows, t.sent_rows, t.rows]);
    expect(t.failed_count).toBe(3);
    const p = await progressCounts(campaignId);
    expect([p.delivered_count, p.read_count]).toEqual([p.delivered_rows, p.read_rows]);
    expect([p.delivered_count, p.read_count]).toEqual([8, 5]);
  });

  it("an error code that means the account is restricted flags the session; the CRM sees it, cannot start a campaign from it, and can clear it", async () => {
    const { sessionId, jids, campaignId, ids } = await campaignWithSends(3, "restr");
    await post("/rpc/record_message_sent", { campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: ids[i] })) }, crm);
    const r = await post("/rpc/waha_webhook", wahaNowebError(sessionId, jids[0]!, ids[0]!, "463"), gw);
    expect(r.json.errors.applied).toBe(1);
    const s = await fetch(`${apiUrl}/sessions?session_id=eq.${sessionId}`, { headers: crm }).then((x) => x.json());
    expect(s[0]).toMatchObject({ session_id: sessionId, restricted_code: 463 });
    expect(s[0].restricted_at).not.toBeNull();
    const sendable = await fetch(`${apiUrl}/sendable_groups?session_id=eq.${sessionId}`, { headers: crm }).then((x) => x.json());
    expect(sendable).toEqual([]);
    const refused = await post("/rpc/create_campaign", { name: "x", message: "m", sessionId, groupJids: [jids[1]] }, crm);
    expect([refused.status, refused.json.code]).toEqual([409, "session_restricted"]);
    // A code not in the table flags nothing; the table is extendable without a code change.
    const cleared = await post("/rpc/clear_session_restriction", { sessionId }, crm);
    expect(cleared.json).toMatchObject({ wasRestricted: true, restrictedCode: 463 });
    expect((await post("/rpc/create_campaign", { name: "x", message: "m", sessionId, groupJids: [jids[1]] }, crm)).status).toBe(200);
    await db.query(
      "insert into restricting_error_codes (code, meaning) values (479, 'test: a code added by an operator') on conflict do nothing",
    );
    await post("/rpc/record_message_error", { sessionId, messageId: ids[1], errorCode: 479 }, gw);
    const again = await db.query("select restricted_code from whatsapp_sessions where session_id = $1", [sessionId]);
    expect(again.rows[0].restricted_code).toBe(479);
    await db.query("delete from restricting_error_codes where code = 479");
    expect((await post("/rpc/clear_session_restriction", { sessionId: uniqueSession("never") }, crm)).status).toBe(404);
  });

  it("a code an operator gives the effect group_unsendable takes its group out of /sendable_groups, from an error ACK and from a send-time failure, until a sync reports the group again", async () => {
    // A code of this test's own (the table is shared with files running beside this one).
    await db.query(
      "insert into error_code_effects (code, effect, meaning, source) values (7401, 'group_unsendable', 'test: a code added by an operator', 'test') on conflict do nothing",
    );
    try {
      const { sessionId, jids, campaignId, ids } = await campaignWithSends(3, "unsend");
      await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[0], messageId: ids[0] }] }, crm);
      // WAHA NOWEB's error ACK (code in payload.error.code, a string) names no group but its id's chat.
      expect((await post("/rpc/waha_webhook", wahaNowebError(sessionId, jids[0]!, ids[0]!, "7401"), gw)).json.errors.applied).toBe(1);
      const failed = await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[1], errorCode: 7401 }] }, crm);
      expect(failed.json.failed).toBe(1);
      const sendable = async () =>
        (await fetch(`${apiUrl}/sendable_groups?session_id=eq.${sessionId}&select=group_jid`, { headers: crm }).then((x) => x.json())).map(
          (g: { group_jid: string }) => g.group_jid,
        );
      expect(await sendable()).toEqual([jids[2]]);
      const refused = await post("/rpc/create_campaign", { name: "x", message: "m", sessionId, groupJids: [jids[0], jids[2]] }, crm);
      expect([refused.status, refused.json.code, JSON.parse(refused.json.details).groupJids]).toEqual([
        422,
        "unsendable_groups",
        [jids[0]],
      ]);
      const s = await db.query("select restricted_at from whatsapp_sessions where session_id = $1", [sessionId]);
      expect(s.rows[0].restricted_at).toBeNull();
      // The session's next sync reports the groups again: they are sendable again.
      expect((await post("/rpc/sync_groups", { sessionId, groups: jids.map((id) => baileysGroup(id)) }, gw)).status).toBe(200);
      expect((await sendable()).sort()).toEqual([...jids].sort());
    } finally {
      await db.query("delete from error_code_effects where code = 7401");
    }
  });

  it("Evolution group events upsert those groups only: never parents, nothing else deactivated; the apikey is never stored", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 3, "evogrp");
    const parent = groupJid(),
      child = groupJid(),
      fresh = groupJid();
    const up = await post(
      "/rpc/evolution_webhook",
      evolutionEnvelope("groups.upsert", sessionId, [
        baileysGroup(parent, { isCommunity: true, subject: "Community" }),
        baileysGroup(child, { isCommunityAnnounce: true, linkedParent: parent, subject: "Announcements" }),
        baileysGroup(fresh),
        { id: "not-a-jid" },
      ]),
      gw,
    );
    expect(up.json.groups).toMatchObject({ upserted: 2, skippedParents: 1, quarantined: 1 });
    await post(
      "/rpc/evolution_webhook",
      evolutionEnvelope("groups.update", sessionId, [
        { id: jids[0], subject: "Renamed" },
        { id: jids[1], isCommunity: true },
      ]),
      gw,
    );
    const { rows } = await db.query(
      "select group_jid, name, inactive_since from whatsapp_groups where session_id = $1 order by group_jid",
      [sessionId],
    );
    const names = Object.fromEntries(rows.map((r) => [r.group_jid, r.name]));
    expect(names[jids[0]!]).toBe("Renamed");
    expect(jids[1]! in names).toBe(false); // became a parent: removed
    expect(parent in names).toBe(false); // never stored
    expect([child, fresh, jids[2]].every((j) => j! in names)).toBe(true);
    expect(rows.every((r) => r.inactive_since === null)).toBe(true);

    const bad = await post("/rpc/evolution_webhook", { instance: sessionId, data: {}, apikey: "SECRET-EVOLUTION-KEY-123" }, gw);
    expect([bad.status, bad.json.code]).toEqual([400, "invalid_body"]);
    const leaked = await db.query(
      "select count(*)::int as n from message_error_quarantine where raw::text like '%SECRET-EVOLUTION-KEY-123%'",
    );
    expect(leaked.rows[0].n).toBe(0);
  });

  it("events we do not use answer ignored and store nothing", async () => {
    const count = async () =>
      (
        await db.query(`select (select count(*) from message_error_quarantine) + (select count(*) from message_error_inbox)
      + (select count(*) from message_status_inbox) as n`)
      ).rows[0].n;
    const n0 = await count();
    const sessionId = uniqueSession("ign");
    for (const [path, body] of [
      ["/rpc/evolution_webhook", { event: "connection.update", instance: sessionId, data: { state: "open" } }],
      ["/rpc/evolution_webhook", { event: "MESSAGES_UPSERT", instance: sessionId, data: { key: { id: "X" } } }],
      ["/rpc/evolution_webhook", evolutionMessageUpdate(sessionId, "3EB0IGN1", groupJid(), "ERROR", false)],
      ["/rpc/waha_webhook", { event: "session.status", session: sessionId, payload: { status: "WORKING" } }],
      [
        "/rpc/waha_webhook",
        wahaEnvelope(
          sessionId,
          "message.ack",
          { id: `true_${groupJid()}_3EB0IGN2`, from: "x@g.us", fromMe: true, ack: 1, ackName: "SERVER" },
          "NOWEB",
        ),
      ], // a server ack without a receipt (our send reached the server)
      [
        "/rpc/waha_webhook",
        wahaEnvelope(
          sessionId,
          "message.ack",
          { id: `false_5511900000001@c.us_3EB0IGN3`, from: "5511900000001@c.us", fromMe: false, ack: 3, ackName: "READ" },
          "NOWEB",
        ),
      ], // someone else's message (WAHA's id says false_)
    ] as const) {
      const r = await post(path, body, gw);
      expect([r.status, r.json.outcome === "ignored" || r.json.ignored >= 1]).toEqual([200, true]);
    }
    expect(await count()).toBe(n0);
  });

  it("WAHA with an HMAC key: a signed body is accepted, a missing or wrong signature is refused 401 and quarantined", async () => {
    // The key of this test's own session (WAHA keys are per session; '*' would be every session's).
    const key = "waha-hmac-key-" + uniqueSession("k");
    const sessionId = uniqueSession("hmac");
    await db.query("insert into internal.webhook_secrets (gateway, session_id, secret) values ('waha', $1, $2)", [sessionId, key]);
    try {
      // The exact text WAHA posts (its own serialisation: spacing kept as sent).
      const raw = JSON.stringify(
        wahaGowsReceipt(sessionId, groupJid(), "3EB0HMAC0001", "5511900000001@c.us", "", "2026-11-25T12:00:00Z"),
        null,
        1,
      );
      const sign = (k: string) => createHmac("sha512", k).update(raw).digest("hex");
      const send = (hmac?: string) =>
        fetch(`${apiUrl}/rpc/waha_webhook`, {
          method: "POST",
          body: raw,
          headers: {
            ...gw,
            "content-type": "application/json",
            ...(hmac ? { "x-webhook-hmac": hmac, "x-webhook-hmac-algorithm": "sha512" } : {}),
          },
        });
      expect((await send(sign(key))).status).toBe(200);
      const kept = "select coalesce(sum(times_received), 0)::int as n from message_error_quarantine where code = 'invalid_signature'";
      const q0 = (await db.query(kept)).rows[0].n;
      for (const h of [undefined, sign("another-key-entirely"), sign(key).slice(2)]) {
        const r = await send(h);
        expect([r.status, (await r.json()).code]).toEqual([401, "invalid_signature"]);
      }
      const q1 = (await db.query(kept)).rows[0].n;
      expect(q1 - q0).toBe(3); // every refused post is kept (the same body refused again is counted on its row)
    } finally {
      await db.query("delete from internal.webhook_secrets where gateway = 'waha' and session_id = $1", [sessionId]);
    }
  });
});
