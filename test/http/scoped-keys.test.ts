// HTTP: gateway keys bound to sessions. Scoped and unscoped keys × every gateway endpoint × a
// session in and out of the key's scope: out of scope is 403 session_not_allowed, nothing is stored
// and nothing of the other session changes — also for an ACK or progress event without sessionId
// that names another session's message. Every stored event and campaign says which key made it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../scripts/lib/api-keys.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl, newKey, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, groupJid, seedSession, uniqueSession } from "../support/fixtures.js";

let crm: Record<string, string>;
let unscoped: Record<string, string>;
let scoped: Record<string, string>;
let scopedId: number;
let mine: { sessionId: string; jids: string[]; campaignId: number };
let other: { sessionId: string; jids: string[]; campaignId: number };

async function sentCampaign(gw: string, prefix: string) {
  const { sessionId, jids } = await seedSession(gw, 4, prefix);
  const {
    json: { campaignId },
  } = await post("/rpc/create_campaign", { name: prefix, message: "m", sessionId, groupJids: jids }, crm);
  await post(
    "/rpc/record_message_sent",
    { campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: `${sessionId}M${i}` })) },
    crm,
  );
  return { sessionId, jids, campaignId: campaignId as number };
}

beforeAll(async () => {
  ({ crm, gw: unscoped } = await roleHeaders());
  mine = await sentCampaign(unscoped["x-api-key"]!, "mine");
  other = await sentCampaign(unscoped["x-api-key"]!, "other");
  const k = await createApiKey(dbUrl, "gateway", `scoped-${uniqueSession()}`, [mine.sessionId, uniqueSession("also")]);
  scoped = { "x-api-key": k.key };
  scopedId = k.id;
});
afterAll(() => db.end());

const rowOf = async (sessionId: string, i: number) =>
  (await db.query("select status, error_code, delivered_at from notification_campaign_groups where message_id = $1", [`${sessionId}M${i}`]))
    .rows[0];
const storedFor = async (marker: string) =>
  (
    await db.query(
      `select (select count(*)::int from message_error_inbox where raw::text like '%' || $1 || '%')
        + (select count(*)::int from message_error_quarantine where raw::text like '%' || $1 || '%')
        + (select count(*)::int from message_status_inbox where message_id like '%' || $1 || '%') as n`,
      [marker],
    )
  ).rows[0].n;

/** One call of each gateway endpoint naming `session` (and, for events, message `i` of it). */
const calls = (session: string, i: number, marker: string, groups = [groupJid()]): [string, string, unknown][] => [
  ["sync_groups", "/rpc/sync_groups", { sessionId: session, groups: groups.map((g) => baileysGroup(g, { subject: marker })) }],
  [
    "record_message_error",
    "/rpc/record_message_error",
    { sessionId: session, messageId: `${session}M${i}`, errorCode: 420, errorMessage: marker },
  ],
  [
    "record_message_error (batch)",
    "/rpc/record_message_error",
    { events: [{ sessionId: session, messageId: `${session}M${i}`, errorMessage: marker }] },
  ],
  ["record_message_status", "/rpc/record_message_status", { sessionId: session, messageId: `${session}M${i}`, status: "read", marker }],
  [
    "evolution_webhook",
    "/rpc/evolution_webhook",
    {
      event: "messages.update",
      instance: session,
      data: {
        keyId: `${session}M${i}`,
        remoteJid: "120363000000000000@g.us",
        fromMe: true,
        status: "ERROR",
        marker,
      },
    },
  ],
  [
    "waha_webhook",
    "/rpc/waha_webhook",
    {
      event: "message.ack",
      session,
      payload: {
        id: `true_120363000000000000@g.us_${session}M${i}`,
        fromMe: true,
        ack: -1,
        ackName: "ERROR",
        marker,
      },
    },
  ],
];

describe("gateway keys bound to sessions", () => {
  it("an unscoped key acts on any session (one VPS, or a trusted gateway)", async () => {
    for (const [name, path, body] of calls(uniqueSession("free"), 0, uniqueSession("mk"))) {
      const r = await post(path, body, unscoped);
      expect([name, r.status]).toEqual([name, 200]);
    }
  });

  it("a scoped key acts on its own sessions", async () => {
    for (const [name, path, body] of calls(mine.sessionId, 1, uniqueSession("mk"), mine.jids)) {
      const r = await post(path, body, scoped);
      expect([name, r.status], r.text).toEqual([name, 200]);
    }
    expect((await rowOf(mine.sessionId, 1)).status).toBe("failed");
  });

  it("out of scope: 403 session_not_allowed on every endpoint; nothing stored, nothing of the other session changed", async () => {
    const marker = uniqueSession("mk");
    const before = (await db.query("select * from whatsapp_sessions where session_id = $1", [other.sessionId])).rows[0];
    for (const [name, path, body] of calls(other.sessionId, 0, marker, [other.jids[0]!])) {
      const r = await post(path, body, scoped);
      expect([name, r.status, r.json.code], r.text).toEqual([name, 403, "session_not_allowed"]);
    }
    expect(await storedFor(marker)).toBe(0);
    expect(
      (await db.query("select count(*)::int as n from message_status_inbox where message_id = $1", [`${other.sessionId}M0`])).rows[0].n,
    ).toBe(0);
    expect(await rowOf(other.sessionId, 0)).toMatchObject({ status: "sent", error_code: null, delivered_at: null });
    expect((await db.query("select * from whatsapp_sessions where session_id = $1", [other.sessionId])).rows[0]).toEqual(before);
    expect(
      (await db.query("select count(*)::int as n from whatsapp_groups where session_id = $1 and inactive_since is null", [other.sessionId]))
        .rows[0].n,
    ).toBe(4);
  });

  it("a batch with one event out of scope is refused whole", async () => {
    const marker = uniqueSession("mk");
    const r = await post(
      "/rpc/record_message_error",
      {
        events: [
          { sessionId: mine.sessionId, messageId: `${mine.sessionId}M2`, errorMessage: marker },
          { sessionId: other.sessionId, messageId: `${other.sessionId}M2`, errorMessage: marker },
        ],
      },
      scoped,
    );
    expect([r.status, r.json.code]).toEqual([403, "session_not_allowed"]);
    expect(await storedFor(marker)).toBe(0);
    expect((await rowOf(mine.sessionId, 2)).status).toBe("sent");
  });

  it("without sessionId, another session's message id is out of reach: quarantined (session_required), never applied", async () => {
    // The key acts on two sessions and no message of theirs has this id: which session the event
    // is for cannot be told, so it is kept in quarantine, not left where another session's
    // send would pick it up.
    const err = await post("/rpc/record_message_error", { messageId: `${other.sessionId}M3`, errorCode: 463 }, scoped);
    expect([err.status, err.json.code, err.json.results[0].outcome]).toEqual([422, "session_required", "quarantined"]);
    const progress = await post("/rpc/record_message_status", { messageId: `${other.sessionId}M3`, status: "delivered" }, scoped);
    expect([progress.status, progress.json.code]).toEqual([422, "session_required"]);
    expect(await rowOf(other.sessionId, 3)).toMatchObject({ status: "sent", error_code: null, delivered_at: null });
    // 463 restricts the sending account: not the other session's, through a key that may not touch it.
    expect(
      (await db.query("select restricted_at from whatsapp_sessions where session_id = $1", [other.sessionId])).rows[0].restricted_at,
    ).toBe(null);
    // A message of one of its own sessions, without sessionId, cannot be routed either (since
    // 2026-12-01 no event is matched by its message id alone: CHANGELOG.md); named, it applies.
    const unnamed = await post("/rpc/record_message_error", { messageId: `${mine.sessionId}M3`, errorCode: 420 }, scoped);
    expect(unnamed.json.code).toBe("session_required");
    const own = await post(
      "/rpc/record_message_error",
      { sessionId: mine.sessionId, messageId: `${mine.sessionId}M3`, errorCode: 420 },
      scoped,
    );
    expect(own.json.results[0].outcome).toBe("applied");
  });

  it("docs/deployment.md says what the test above proves: with several sessions, an event without sessionId is quarantined", () => {
    const doc = readFileSync(join(repoRoot, "docs", "deployment.md"), "utf8");
    const section = doc.slice(doc.indexOf("### Scoped gateway keys"), doc.indexOf("\n## ", doc.indexOf("### Scoped gateway keys")));
    const text = section.replace(/\s+/g, " ");
    // Never routed by its message id (message ids are unique per session only: CHANGELOG 2026-12-01).
    expect(text).not.toMatch(/session whose message has that id/);
    expect(text).toMatch(
      /stands for the key's session when it has exactly one; with several \(or none: an unbound key\), it is quarantined \(`session_required`\)/,
    );
    expect(text).toMatch(/resolve_quarantined.*sessionId/);
  });

  it("an early ACK or read receipt without sessionId from a scoped key never reaches another session's row when its send is recorded", async () => {
    const { sessionId, jids } = await seedSession(unscoped["x-api-key"]!, 1, "late");
    const messageId = `${sessionId}-early`;
    // Several sessions in scope, none of them this one: the ACK cannot be given a session.
    expect((await post("/rpc/record_message_error", { messageId, errorCode: 420 }, scoped)).json.code).toBe("session_required");
    expect((await post("/rpc/record_message_status", { messageId, status: "read" }, scoped)).json.code).toBe("session_required");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "late", message: "m", sessionId, groupJids: jids }, crm);
    const sent = await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[0], messageId }] }, crm);
    expect([sent.json.sent, sent.json.failedByEarlyAck]).toEqual([1, 0]);
    const {
      rows: [row],
    } = await db.query("select status, read_at from notification_campaign_groups where message_id = $1", [messageId]);
    expect(row).toEqual({ status: "sent", read_at: null });
  });

  it("every stored event and every campaign records the key that made it", async () => {
    const marker = uniqueSession("mk");
    await post("/rpc/record_message_error", { sessionId: mine.sessionId, messageId: `${marker}-a`, errorMessage: marker }, scoped);
    await post("/rpc/record_message_error", { sessionId: mine.sessionId, messageId: "", errorMessage: marker }, scoped); // quarantined
    await post("/rpc/record_message_status", { sessionId: mine.sessionId, messageId: `${marker}-b`, status: "read" }, scoped);
    const {
      rows: [k],
    } = await db.query(
      `select (select array_agg(distinct api_key_id) from message_error_inbox where message_id = $1 || '-a') as inbox,
              (select array_agg(distinct api_key_id) from message_error_quarantine where raw::text like '%' || $1 || '%') as quarantine,
              (select array_agg(distinct api_key_id) from message_status_inbox where message_id = $1 || '-b') as status`,
      [marker],
    );
    expect(k).toEqual({ inbox: [String(scopedId)], quarantine: [String(scopedId)], status: [String(scopedId)] });
    const crmKey = await newKey("crm");
    const {
      rows: [ck],
    } = await db.query("select id::int from internal.api_keys where key_hash = sha256(convert_to($1, 'UTF8'))", [crmKey]);
    const c = await post(
      "/rpc/create_campaign",
      { name: "audited", message: "m", sessionId: mine.sessionId, groupJids: [mine.jids[0]] },
      { "x-api-key": crmKey },
    );
    const {
      rows: [camp],
    } = await db.query("select api_key_id::int from notification_campaigns where id = $1", [c.json.campaignId]);
    expect(camp.api_key_id).toBe(ck.id);
  });
});

describe("a key bound to one session", () => {
  it("stands for its session when an event names none: an early ACK waits and applies to that session's send", async () => {
    const { sessionId, jids } = await seedSession(unscoped["x-api-key"]!, 1, "single");
    const single = { "x-api-key": (await createApiKey(dbUrl, "gateway", `single-${uniqueSession()}`, [sessionId])).key };
    const messageId = `${sessionId}-early`;
    const ack = await post("/rpc/record_message_error", { messageId, errorCode: 420 }, single);
    expect([ack.status, ack.json.results[0].outcome]).toEqual([200, "pending_match"]);
    expect((await db.query("select session_id::text from message_error_inbox where message_id = $1", [messageId])).rows).toEqual([
      { session_id: sessionId },
    ]);
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "single", message: "m", sessionId, groupJids: jids }, crm);
    const sent = await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[0], messageId }] }, crm);
    expect(sent.json.failedByEarlyAck).toBe(1);
  });

  it("progress another session's gateway reported for the same id never merges with its own", async () => {
    const { sessionId, jids } = await seedSession(unscoped["x-api-key"]!, 1, "merge");
    const messageId = `${sessionId}-m`;
    // A key bound to another session claims the id first, with an early read time.
    const claimer = { "x-api-key": (await createApiKey(dbUrl, "gateway", `claim-${uniqueSession()}`, [uniqueSession("elsewhere")])).key };
    await post("/rpc/record_message_status", { messageId, status: "read", at: "2020-01-01T00:00:00Z" }, claimer);
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "merge", message: "m", sessionId, groupJids: jids }, crm);
    await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[0], messageId }] }, crm);
    await post("/rpc/record_message_status", { sessionId, messageId, status: "delivered" }, unscoped);
    const {
      rows: [row],
    } = await db.query("select delivered_at is not null as delivered, read_at from notification_campaign_groups where message_id = $1", [
      messageId,
    ]);
    expect(row).toEqual({ delivered: true, read_at: null });
  });
});
