// syncWahaGroups: WAHA's GET /api/{session}/groups as each engine answers it (bodies from WAHA's
// sources: test/fixtures/gateway-payloads.ts), served over HTTP the way WAHA serves it (X-Api-Key),
// mapped and posted to the real backend: community parents never stored, announcement groups and
// community sub-groups kept with their parent, groups the list no longer has deactivated.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, syncWahaGroups, WahaError, type GatewayClient, type WahaEngine } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { post } from "../../../test/support/http.js";
import { baileysGroup, groupJid, uniqueSession } from "../../../test/support/fixtures.js";
import { gowsGroupInfo, webjsGroupChat } from "../../../test/fixtures/gateway-payloads.js";

const WAHA_KEY = "waha-api-key-for-tests";
let server: Server;
let wahaUrl: string;
/** What "WAHA" answers per session name: [status, body]. */
const answers = new Map<string, [number, unknown]>();
let gatewayKey: string;
let gateway: GatewayClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    const m = /^\/api\/([^/]+)\/groups$/.exec(req.url ?? "");
    const answer: [number, unknown] | undefined =
      m && req.headers["x-api-key"] === WAHA_KEY ? answers.get(decodeURIComponent(m[1]!)) : [401, { message: "Unauthorized" }];
    const [status, body] = answer ?? [404, { message: "Session not found" }];
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  wahaUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  gatewayKey = await newKey("gateway");
  gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db.end();
});

/** A community (parent, its announcement group, one sub-group) and an ordinary group, in each engine's shape. */
function community(engine: WahaEngine) {
  const [parent, announce, sub, plain] = [groupJid(), groupJid(), groupJid(), groupJid()];
  const list =
    engine === "GOWS"
      ? [
          gowsGroupInfo(parent, "Condomínio", { isParent: true }),
          gowsGroupInfo(announce, "Condomínio", { linkedParent: parent, isDefaultSubGroup: true, members: 40 }),
          gowsGroupInfo(sub, "Bloco B", { linkedParent: parent, members: 7 }),
          gowsGroupInfo(plain, "Família", { members: 5 }),
        ]
      : engine === "WEBJS"
        ? [
            webjsGroupChat(parent, "Condomínio", { isParent: true }),
            webjsGroupChat(announce, "Condomínio", { linkedParent: parent, isDefaultSubGroup: true, members: 40 }),
            webjsGroupChat(sub, "Bloco B", { linkedParent: parent, members: 7 }),
            webjsGroupChat(plain, "Família", { members: 5 }),
          ]
        : // NOWEB: Baileys GroupMetadata keyed by id (WAHA keeps that shape for compatibility).
          Object.fromEntries(
            [
              baileysGroup(parent, { subject: "Condomínio", isCommunity: true }),
              baileysGroup(announce, { subject: "Condomínio", isCommunityAnnounce: true, linkedParent: parent }, 40),
              baileysGroup(sub, { subject: "Bloco B", linkedParent: parent }, 7),
              baileysGroup(plain, { subject: "Família" }, 5),
            ].map((g) => [g.id, g]),
          );
  return { parent, announce, sub, plain, list };
}

describe.each(["GOWS", "NOWEB", "WEBJS"] as const)("syncWahaGroups with %s", (engine) => {
  it("stores the announcement group and the sub-group with their parent, never the parent; a group gone from the list is deactivated", async () => {
    const session = uniqueSession(engine.toLowerCase());
    const c = community(engine);
    answers.set(session, [200, c.list]);
    const r = await syncWahaGroups({ url: wahaUrl, apiKey: WAHA_KEY, session }, gateway);
    expect(r).toMatchObject({ inserted: 3, skippedParents: 1 });
    const { rows } = await db.query(
      `select group_jid, name, participant_count, is_community_announce, linked_parent_jid
      from whatsapp_groups where session_id = $1 order by name, is_community_announce`,
      [session],
    );
    expect(rows).toEqual([
      { group_jid: c.sub, name: "Bloco B", participant_count: 7, is_community_announce: false, linked_parent_jid: c.parent },
      { group_jid: c.announce, name: "Condomínio", participant_count: 40, is_community_announce: true, linked_parent_jid: c.parent },
      { group_jid: c.plain, name: "Família", participant_count: 5, is_community_announce: false, linked_parent_jid: null },
    ]);
    // The same engine, named explicitly; the plain group left meanwhile.
    const without = Array.isArray(c.list) ? c.list.slice(0, 3) : Object.fromEntries(Object.entries(c.list).slice(0, 3));
    answers.set(session, [200, without]);
    expect(await syncWahaGroups({ url: wahaUrl, apiKey: WAHA_KEY, session, engine }, gateway)).toMatchObject({
      deactivated: 1,
      unchanged: 2,
    });
  });
});

describe("syncWahaGroups with GOWS: the members' count", () => {
  it("a group without whatsmeow's size attribute (ParticipantCount 0) keeps its participants' count; a positive ParticipantCount wins", async () => {
    const session = uniqueSession("gowsize");
    const [nosize, sized] = [groupJid(), groupJid()];
    answers.set(session, [
      200,
      [
        gowsGroupInfo(nosize, "Sem size", { members: 6, participantCount: 0 }),
        gowsGroupInfo(sized, "Com size", { members: 2, participantCount: 250 }),
      ],
    ]);
    expect(await syncWahaGroups({ url: wahaUrl, apiKey: WAHA_KEY, session }, gateway)).toMatchObject({ inserted: 2 });
    const { rows } = await db.query(`select group_jid, participant_count from whatsapp_groups where session_id = $1 order by name`, [
      session,
    ]);
    expect(rows).toEqual([
      { group_jid: sized, participant_count: 250 },
      { group_jid: nosize, participant_count: 6 },
    ]);
  });
});

describe("syncWahaGroups refusals", () => {
  it("an empty list is never posted; WAHA's own refusals are WahaErrors; GOWS's raw list is not a sync_groups body (the helper is the way)", async () => {
    const session = uniqueSession("wempty");
    answers.set(session, [200, []]);
    await expect(syncWahaGroups({ url: wahaUrl, apiKey: WAHA_KEY, session }, gateway)).rejects.toMatchObject({ code: "empty_group_list" });
    await expect(syncWahaGroups({ url: wahaUrl, apiKey: "wrong", session }, gateway)).rejects.toBeInstanceOf(WahaError);
    await expect(syncWahaGroups({ url: wahaUrl, apiKey: WAHA_KEY, session: "nobody" }, gateway)).rejects.toMatchObject({ status: 404 });
    const raw = await post(
      "/rpc/sync_groups",
      { sessionId: session, groups: [gowsGroupInfo(groupJid(), "x")] },
      { "x-api-key": gatewayKey },
    );
    expect([raw.status, raw.json.code]).toEqual([422, "invalid_group_jid"]);
  });
});
