// HTTP: a value that passes the rules also converts. Before, an errorCode with a Unicode space
// (U+2003) and a group size of 5.0 passed validation and failed a later cast: the whole call was
// refused 400 (22P02) and nothing was kept. Now a per-event problem quarantines that event and the
// rest of the batch applies; a valid value is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";

let gw: Record<string, string>;
beforeAll(async () => ({ gw } = await roleHeaders()));
afterAll(() => db.end());

describe("values that pass the rules convert", () => {
  it("an errorCode with a Unicode space is quarantined alone; the rest of the batch is recorded", async () => {
    const sessionId = uniqueSession("uc");
    const r = await post(
      "/rpc/record_message_error",
      {
        events: [
          { sessionId, messageId: `${sessionId}-a`, errorCode: "\u2003463" },
          { sessionId, messageId: `${sessionId}-b`, errorCode: " 420\n" },
          { sessionId, messageId: `${sessionId}-c`, errorCode: 463.0 },
        ],
      },
      gw,
    );
    expect([r.status, r.json.code]).toEqual([422, "invalid_error_code"]);
    expect(r.json.counts).toMatchObject({ quarantined: 1, pending_match: 2 });
    const { rows } = await db.query("select message_id::text, error_code from message_error_inbox where session_id = $1 order by 1", [
      sessionId,
    ]);
    expect(rows).toEqual([
      { message_id: `${sessionId}-b`, error_code: 420 },
      { message_id: `${sessionId}-c`, error_code: 463 },
    ]);
  });

  it("a group size written 5.0 (or 1e1) is a whole number: stored, not refused", async () => {
    const sessionId = uniqueSession("sz");
    const [a, b] = [groupJid(), groupJid()];
    const body = JSON.stringify({ sessionId, groups: [baileysGroup(a, { size: 5 }), baileysGroup(b, { size: 10 })] })
      .replace('"size":5,', '"size":5.0,')
      .replace('"size":10,', '"size":1e1,');
    expect(body).toContain('"size":5.0');
    const r = await post("/rpc/sync_groups", body, gw);
    expect(r.status, r.text).toBe(200);
    const { rows } = await db.query("select group_jid::text, participant_count from whatsapp_groups where session_id = $1 order by id", [
      sessionId,
    ]);
    expect(rows).toEqual([
      { group_jid: a, participant_count: 5 },
      { group_jid: b, participant_count: 10 },
    ]);
  });
});
