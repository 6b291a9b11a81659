// HTTP: a session-less event kept in quarantine (session_required: a key bound to several sessions
// posted it without sessionId) is replayed once ops says which session it belongs to
// (`resolve_quarantined {"id", "action": "replay", "sessionId"}`), for error ACKs and delivery
// progress alike: checked against that session's rows (it must have the message), recorded under
// the ops key, and refused with a coded answer whose details are structured like every other's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../scripts/lib/api-keys.js";
import { db, dbUrl, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { seedSession } from "../support/fixtures.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
let ops: Record<string, string>;
let opsKeyId: number;
beforeAll(async () => {
  ({ gw, crm } = await roleHeaders());
  const k = await createApiKey(dbUrl, "ops", `ops-replay-${process.pid}`);
  ops = { "x-api-key": k.key };
  opsKeyId = k.id;
});
afterAll(() => db.end());

const quarantined = async (messageId: string) =>
  (
    await db.query(
      "select id::int, code, endpoint, resolved_at, resolution, resolved_by::int, session_id::text from message_error_quarantine where raw ->> 'messageId' = $1 order by id",
      [messageId],
    )
  ).rows;
const row = async (sessionId: string, messageId: string) =>
  (
    await db.query("select status::text, error_code, read_at from notification_campaign_groups where session_id = $1 and message_id = $2", [
      sessionId,
      messageId,
    ])
  ).rows[0];

describe("resolve_quarantined replay with sessionId", () => {
  it("replays a session-less error ACK and progress into the session ops names, only one that has the message", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "rpls");
    const { sessionId: other } = await seedSession(gw["x-api-key"]!, 1, "rplo");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "r", message: "m", sessionId, groupJids: jids }, crm);
    const [m1, m2] = [`${sessionId}-E1`, `${sessionId}-S1`];
    await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], messageId: m1 },
          { groupJid: jids[1], messageId: m2 },
        ],
      },
      crm,
    );
    // A gateway key bound to both sessions posts without sessionId: which session is meant cannot be told.
    const bound = { "x-api-key": (await createApiKey(dbUrl, "gateway", `vps-${sessionId}`, [sessionId, other])).key };
    const ack = await post("/rpc/record_message_error", { messageId: m1, errorCode: 420 }, bound);
    const progress = await post("/rpc/record_message_status", { messageId: m2, status: "read" }, bound);
    expect([ack.status, ack.json.code, progress.status]).toEqual([422, "session_required", 422]);
    const [qa] = await quarantined(m1);
    const [qs] = await quarantined(m2);
    expect([qa.code, qa.endpoint, qs.code, qs.endpoint]).toEqual([
      "session_required",
      "record_message_error",
      "session_required",
      "record_message_status",
    ]);

    // Replayed as it was, it is refused again; its details are an object, as in the gateway's refusals.
    const plain = await post("/rpc/resolve_quarantined", { id: qa.id, action: "replay" }, ops);
    expect([plain.status, plain.json.code]).toEqual([422, "replay_refused"]);
    expect(Object.keys(plain.json).sort()).toEqual(["code", "details", "hint", "message"]);
    expect(plain.json.details).toEqual({
      endpoint: "record_message_error",
      code: "session_required",
      message: expect.stringContaining("sessionId"),
    });

    // A session that does not have the message (known or not) is refused; nothing changes.
    for (const s of [other, "wa_never_seen"]) {
      const wrong = await post("/rpc/resolve_quarantined", { id: qa.id, action: "replay", sessionId: s }, ops);
      expect([wrong.status, wrong.json.code], wrong.text).toEqual([422, "replay_session_mismatch"]);
      expect(wrong.json.details).toEqual({ sessionId: s, messageId: m1 });
    }
    const blank = await post("/rpc/resolve_quarantined", { id: qa.id, action: "replay", sessionId: " " }, ops);
    expect([blank.status, blank.json.code]).toEqual([422, "invalid_session_id"]);
    const dismissWith = await post("/rpc/resolve_quarantined", { id: qa.id, action: "dismiss", sessionId }, ops);
    expect([dismissWith.status, dismissWith.json.code]).toEqual([422, "invalid_session_id"]);
    expect((await quarantined(m1)).map((r) => r.resolved_at)).toEqual([null]);
    expect((await row(sessionId, m1)).status).toBe("sent");

    // The right session: the ACK fails its row, the progress marks it read; both audited with the ops key.
    const okAck = await post("/rpc/resolve_quarantined", { id: qa.id, action: "replay", sessionId }, ops);
    expect([okAck.status, okAck.json.resolution, okAck.json.replay?.results?.[0]?.outcome], okAck.text).toEqual([
      200,
      "replayed",
      "applied",
    ]);
    const okProgress = await post("/rpc/resolve_quarantined", { id: qs.id, action: "replay", sessionId }, ops);
    expect([okProgress.status, okProgress.json.resolution], okProgress.text).toEqual([200, "replayed"]);
    expect(await row(sessionId, m1)).toMatchObject({ status: "failed", error_code: 420 });
    expect((await row(sessionId, m2)).read_at).not.toBeNull();
    expect((await quarantined(m1)).concat(await quarantined(m2)).map((r) => [r.resolution, r.resolved_by, r.session_id])).toEqual([
      ["replayed", opsKeyId, sessionId],
      ["replayed", opsKeyId, sessionId],
    ]);
    const inbox = await db.query("select api_key_id::int, session_id::text from message_error_inbox where message_id = $1", [m1]);
    expect(inbox.rows).toEqual([{ api_key_id: opsKeyId, session_id: sessionId }]);
  });
});
