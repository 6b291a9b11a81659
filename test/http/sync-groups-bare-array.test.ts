// A bare array of groups posted to /rpc/sync_groups (Evolution's GET /group/fetchAllGroups answer,
// WAHA's or Baileys' list, posted as it is) names no session: it gets our coded 400 invalid_body
// with a hint to wrap it, not PostgREST's PGRST102. PostgREST 12.0.2 parses a JSON array body itself
// before calling anything (src/PostgREST/ApiRequest.hs getPayload: an array whose objects differ
// in keys is "All object keys must match", whatever the function; unchanged through 14.9) unless the
// query names `columns`: then the body goes to the function as it is. Directly, a uniform array
// reaches our validation and a non-uniform one needs `?columns=`; the front door (deploy/nginx)
// adds it for /rpc/sync_groups, so there every array is ours to answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiUrl, db, newKey } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { startFrontDoor, type FrontDoor } from "../support/nginx.js";
import { evolutionFetchedGroup } from "../fixtures/gateway-payloads.js";

let door: FrontDoor;
let gw: Record<string, string>;
beforeAll(async () => {
  door = await startFrontDoor(apiUrl);
  gw = { "x-api-key": await newKey("gateway") };
});
afterAll(async () => {
  await door.stop();
  await db.end();
});

/** Evolution 2.3.6's answer: groups with and without linkedParent, desc, owner (different keys). */
function evolutionAnswer() {
  const parent = groupJid();
  return [
    evolutionFetchedGroup(parent, "Condomínio", { isCommunity: true, owner: "5511999999999@s.whatsapp.net", desc: "Comunidade" }),
    evolutionFetchedGroup(groupJid(), "Condomínio", { isCommunityAnnounce: true, linkedParent: parent, members: 40 }),
    evolutionFetchedGroup(groupJid(), "Família", { members: 5 }),
  ];
}

async function postTo(base: string, path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...gw },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as any };
}

const wrapHint = expect.stringMatching(/\{"sessionId": .*"groups": /);

describe("a bare array posted to /rpc/sync_groups", () => {
  it("directly: groups with the same keys reach our validation: 400 invalid_body with the hint to wrap them", async () => {
    const r = await post("/rpc/sync_groups", [baileysGroup(groupJid()), baileysGroup(groupJid())], gw);
    expect([r.status, r.json.code]).toEqual([400, "invalid_body"]);
    expect(r.json.hint).toEqual(wrapHint);
  });

  it("directly, Evolution's answer is PostgREST's PGRST102; with ?columns= it reaches us and is answered invalid_body", async () => {
    const body = evolutionAnswer();
    const plain = await postTo(apiUrl, "/rpc/sync_groups", body);
    expect([plain.status, plain.json.code]).toEqual([400, "PGRST102"]);
    const raw = await postTo(apiUrl, "/rpc/sync_groups?columns=groups", body);
    expect([raw.status, raw.json.code]).toEqual([400, "invalid_body"]);
    expect(raw.json.hint).toEqual(wrapHint);
  });

  it("through the front door: Evolution's answer gets 400 invalid_body with the hint, and changes nothing", async () => {
    const before = await db.query("select count(*)::int as n from whatsapp_groups");
    const r = await postTo(door.url, "/rpc/sync_groups", evolutionAnswer());
    expect([r.status, r.json.code]).toEqual([400, "invalid_body"]);
    expect(r.json.hint).toEqual(wrapHint);
    expect((await db.query("select count(*)::int as n from whatsapp_groups")).rows).toEqual(before.rows);
  });

  it("through the front door, a wrapped list still syncs, and a body that is not JSON is a coded 400 (22P02)", async () => {
    const sessionId = uniqueSession("bare");
    const ok = await postTo(door.url, "/rpc/sync_groups", { sessionId, groups: evolutionAnswer() });
    expect([ok.status, ok.json]).toMatchObject([200, { inserted: 2, skippedParents: 1 }]);
    const res = await fetch(door.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { "content-type": "application/json", ...gw },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    // The body reaches PostgreSQL as it is: its cast to jsonb refuses it (22P02), where PostgREST
    // directly says PGRST102 (docs/errors.md lists both).
    expect(((await res.json()) as { code: string }).code).toBe("22P02");
  });
});
