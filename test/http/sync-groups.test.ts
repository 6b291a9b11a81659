// HTTP: POST /rpc/sync_groups status codes and bodies, and a 10,000-group sync in one call.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, groupJid, jidFrom, uniqueSession } from "../support/fixtures.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

describe("POST /rpc/sync_groups", () => {
  it("stores announcement and ordinary groups, never the community parent", async () => {
    const sessionId = uniqueSession();
    const [parent, announce, plain] = [groupJid(), groupJid(), groupJid()];
    const r = await post(
      "/rpc/sync_groups",
      {
        sessionId,
        groups: [
          baileysGroup(parent, { subject: "Acme", isCommunity: true }),
          baileysGroup(announce, { subject: "Acme", isCommunityAnnounce: true, linkedParent: parent }),
          baileysGroup(plain, { subjectTime: null }),
        ],
      },
      gw,
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      sessionId,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      reactivated: 0,
      deactivated: 0,
      skippedParents: 1,
      removedParents: 0,
      total: 3,
    });
    const { rows } = await db.query("select group_jid from whatsapp_groups where session_id = $1 order by 1", [sessionId]);
    expect(rows.map((x) => x.group_jid)).toEqual([announce, plain].sort());
  });

  it.each([
    ['"a string"', 400, "invalid_body"],
    ["[1]", 400, "PGRST102"],
    ['{"groups": []}', 422, "invalid_session_id"],
    ['{"sessionId": "s", "groups": 3}', 422, "invalid_groups"],
    ['{"sessionId": "s", "groups": [{"id": "nope"}]}', 422, "invalid_group_jid"],
    ['{"sessionId": "s", "groups": [{"id": "120363000000000001@g.us", "announce": 1}]}', 422, "invalid_group_field"],
    ['{"sessionId": "s", "groups": [{"id": "120363000000000001@g.us"}, {"id": "120363000000000001@g.us"}]}', 422, "duplicate_group_jid"],
    ["{not json", 400, "PGRST102"],
  ])("%s → %i %s", async (body, status, code) => {
    const r = await post("/rpc/sync_groups", body, gw);
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ code, message: expect.any(String) });
  });

  it("more than 100,000 groups is 413 too_many_groups", async () => {
    const groups = Array.from({ length: 100_001 }, (_, i) => ({ id: jidFrom(900_000_000 + i) }));
    const r = await post("/rpc/sync_groups", { sessionId: uniqueSession(), groups }, gw);
    expect(r.status).toBe(413);
    expect(r.json.code).toBe("too_many_groups");
  });

  it("the CRM key is refused with 403, no key with 401", async () => {
    const body = { sessionId: uniqueSession(), groups: [] };
    expect((await post("/rpc/sync_groups", body, crm)).json).toMatchObject({ code: "forbidden" });
    expect((await post("/rpc/sync_groups", body, crm)).status).toBe(403);
    expect((await post("/rpc/sync_groups", body)).status).toBe(401);
  });

  it("syncs 10,000 groups with realistic participant arrays in one call", async () => {
    const sessionId = uniqueSession("big");
    const groups = Array.from({ length: 10_000 }, (_, i) =>
      baileysGroup(jidFrom(800_000_000 + i), i % 50 === 0 ? { isCommunity: true } : {}, 20 + (i % 200)),
    );
    const body = JSON.stringify({ sessionId, groups });
    const t0 = performance.now();
    const r = await post("/rpc/sync_groups", body, gw);
    const ms = performance.now() - t0;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ inserted: 9_800, skippedParents: 200, total: 10_000 });
    // A measurement for the record, not an assertion: speed is judged in bench/.
    console.log(`10,000-group sync (${(body.length / 1e6).toFixed(1)} MB) through HTTP: ${ms.toFixed(0)} ms`);
    const again = await post("/rpc/sync_groups", body, gw);
    expect(again.json).toMatchObject({ unchanged: 9_800, inserted: 0, updated: 0 });
  });
});
