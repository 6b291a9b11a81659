// syncEvolutionGroups: Evolution API 2.3.6's GET /group/fetchAllGroups/{instance} (bodies from its
// source: test/fixtures/gateway-payloads.ts evolutionFetchedGroup), served over HTTP the way
// Evolution serves it (header apikey; getParticipants required in the query; errors as
// {status, error, response: {message}}: src/main.ts, src/exceptions), mapped and posted to the real
// backend. Evolution's answer is a bare array whose objects differ in keys: posted as it is,
// PostgREST refuses it (PGRST102) before our code runs; the helper wraps it with the session.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, EvolutionError, syncEvolutionGroups, type GatewayClient } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { post } from "../../../test/support/http.js";
import { groupJid, uniqueSession } from "../../../test/support/fixtures.js";
import { evolutionFetchedGroup } from "../../../test/fixtures/gateway-payloads.js";

const EVOLUTION_KEY = "evolution-global-api-key-for-tests";
let server: Server;
let evolutionUrl: string;
/** What "Evolution" answers per instance name: the bare array of fetchAllGroups. */
const instances = new Map<string, unknown[]>();
const seen: string[] = [];
let gatewayKey: string;
let gateway: GatewayClient;

const evolutionError = (status: number, error: string, message: unknown) => ({ status, error, response: { message } });

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://evolution");
    seen.push(url.pathname + url.search);
    const m = /^\/group\/fetchAllGroups\/([^/]+)$/.exec(url.pathname);
    const [status, body] =
      req.headers.apikey !== EVOLUTION_KEY
        ? [401, evolutionError(401, "Unauthorized", "Unauthorized")]
        : !m
          ? [404, evolutionError(404, "Not Found", "Cannot GET " + url.pathname)]
          : !instances.has(decodeURIComponent(m[1]!))
            ? [404, evolutionError(404, "Not Found", [`The "${decodeURIComponent(m[1]!)}" instance does not exist`])]
            : !url.searchParams.get("getParticipants")
              ? [400, evolutionError(400, "Bad Request", ["The getParticipants needs to be informed in the query"])]
              : [200, instances.get(decodeURIComponent(m[1]!))];
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  evolutionUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  gatewayKey = await newKey("gateway");
  gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db.end();
});

/** A community (parent, its announcement group, a sub-group) and two ordinary groups, one with a description. */
function community() {
  const [parent, announce, sub, plain, described] = [groupJid(), groupJid(), groupJid(), groupJid(), groupJid()];
  const owner = "5511999999999@s.whatsapp.net";
  const list = [
    evolutionFetchedGroup(parent, "Condomínio", { isCommunity: true, owner, desc: "Comunidade" }),
    evolutionFetchedGroup(announce, "Condomínio", { isCommunityAnnounce: true, linkedParent: parent, members: 40 }),
    evolutionFetchedGroup(sub, "Bloco B", { linkedParent: parent, members: 7, owner }),
    evolutionFetchedGroup(plain, "Família", { members: 5 }),
    evolutionFetchedGroup(described, "Vizinhos", { members: 9, owner, desc: "Avisos do prédio" }),
  ];
  return { parent, announce, sub, plain, described, list };
}

describe("syncEvolutionGroups", () => {
  it("Evolution's bare array, posted as it is, is refused before our code (its objects differ in keys)", async () => {
    const c = community();
    expect(new Set(c.list.map((g) => Object.keys(g).sort().join())).size).toBeGreaterThan(1);
    const raw = await post("/rpc/sync_groups", c.list, { "x-api-key": gatewayKey });
    expect([raw.status, raw.json.code]).toEqual([400, "PGRST102"]);
  });

  it("stores the announcement group and the sub-group with their parent, never the parent; a group gone from the list is deactivated", async () => {
    const instance = uniqueSession("evo");
    const c = community();
    instances.set(instance, c.list);
    const r = await syncEvolutionGroups({ url: evolutionUrl, apiKey: EVOLUTION_KEY, instance }, gateway);
    expect(r).toMatchObject({ inserted: 4, skippedParents: 1 });
    expect(seen.at(-1)).toBe(`/group/fetchAllGroups/${instance}?getParticipants=false`);
    const { rows } = await db.query(
      `select group_jid, name, participant_count, is_community_announce, linked_parent_jid
      from whatsapp_groups where session_id = $1 and inactive_since is null order by name, is_community_announce`,
      [instance],
    );
    expect(rows).toEqual([
      { group_jid: c.sub, name: "Bloco B", participant_count: 7, is_community_announce: false, linked_parent_jid: c.parent },
      { group_jid: c.announce, name: "Condomínio", participant_count: 40, is_community_announce: true, linked_parent_jid: c.parent },
      { group_jid: c.plain, name: "Família", participant_count: 5, is_community_announce: false, linked_parent_jid: null },
      { group_jid: c.described, name: "Vizinhos", participant_count: 9, is_community_announce: false, linked_parent_jid: null },
    ]);
    // The plain group left meanwhile; the backend's session is named apart from the instance.
    instances.set(
      instance,
      c.list.filter((g) => g.id !== c.plain),
    );
    expect(await syncEvolutionGroups({ url: evolutionUrl, apiKey: EVOLUTION_KEY, instance, sessionId: instance }, gateway)).toMatchObject({
      deactivated: 1,
      unchanged: 3,
    });
  });

  it("with participants listed (getParticipants=true) the count is the same", async () => {
    const instance = uniqueSession("evop");
    const jid = groupJid();
    instances.set(instance, [evolutionFetchedGroup(jid, "Com membros", { members: 6 }, true)]);
    expect(await syncEvolutionGroups({ url: evolutionUrl, apiKey: EVOLUTION_KEY, instance }, gateway)).toMatchObject({ inserted: 1 });
    const { rows } = await db.query("select participant_count from whatsapp_groups where session_id = $1", [instance]);
    expect(rows).toEqual([{ participant_count: 6 }]);
  });

  it("an empty list is never posted; Evolution's own refusals are EvolutionErrors", async () => {
    const instance = uniqueSession("evoempty");
    instances.set(instance, []);
    await expect(syncEvolutionGroups({ url: evolutionUrl, apiKey: EVOLUTION_KEY, instance }, gateway)).rejects.toMatchObject({
      code: "empty_group_list",
    });
    await expect(syncEvolutionGroups({ url: evolutionUrl, apiKey: "wrong", instance }, gateway)).rejects.toBeInstanceOf(EvolutionError);
    await expect(syncEvolutionGroups({ url: evolutionUrl, apiKey: EVOLUTION_KEY, instance: "nobody" }, gateway)).rejects.toMatchObject({
      status: 404,
    });
  });
});
