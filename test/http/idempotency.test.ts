// HTTP: the Idempotency-Key request header (IETF httpapi draft semantics) on the RPCs that create
// something: create_campaign and retry_failed_groups. Same key and same body → the first answer
// again (also when both arrive at once); same key and another body → 422; without a key every
// call creates, as before. Keys belong to the API key's lineage (rotate keeps it), or to the JWT's
// subject, or to a subject-less JWT's own claims.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../scripts/lib/api-keys.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl, jwtSecret, roleHeaders, newKey } from "../support/env.js";
import { post } from "../support/http.js";
import { seedSession } from "../support/fixtures.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

/** npm run api-key -- <args>, as an operator runs it: its stdout (the new key, for create and rotate). */
function apiKeyCli(...args: string[]) {
  const r = spawnSync(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "api-key.ts"), ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: dbUrl },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

const signCrm = (claims: Record<string, unknown>) =>
  new SignJWT({ role: "crm", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(jwtSecret))
    .then((t) => ({ authorization: `Bearer ${t}` }));

const campaignsOf = async (sessionId: string) =>
  (await db.query("select id::int from notification_campaigns where session_id = $1 order by id", [sessionId])).rows.map((r) => r.id);

describe("Idempotency-Key", () => {
  it("create_campaign: a repeat with the same key and body answers the first campaign; nothing is created twice", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 3, "idem");
    const body = { name: "once", message: "m", sessionId, groupJids: jids };
    const key = randomUUID();
    const first = await post("/rpc/create_campaign", body, { ...crm, "idempotency-key": key });
    const again = await post("/rpc/create_campaign", body, { ...crm, "idempotency-key": `"${key}"` }); // sf-string form
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.json).toEqual(first.json);
    expect(await campaignsOf(sessionId)).toEqual([first.json.campaignId]);
    // Without a key every call creates (the CRM asked twice).
    await post("/rpc/create_campaign", body, crm);
    expect((await campaignsOf(sessionId)).length).toBe(2);
  });

  it("the same key with another body is 422 idempotency_key_reused, and creates nothing", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const key = randomUUID();
    await post("/rpc/create_campaign", { name: "a", message: "m", sessionId, groupJids: jids }, { ...crm, "idempotency-key": key });
    const other = await post(
      "/rpc/create_campaign",
      { name: "b", message: "m", sessionId, groupJids: jids },
      { ...crm, "idempotency-key": key },
    );
    expect([other.status, other.json.code]).toEqual([422, "idempotency_key_reused"]);
    expect((await campaignsOf(sessionId)).length).toBe(1);
  });

  it("eight concurrent calls with one key: one campaign, eight identical answers", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 500, "idem");
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        post("/rpc/create_campaign", { name: "burst", message: "m", sessionId, groupJids: jids }, { ...crm, "idempotency-key": key }),
      ),
    );
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
    expect(await campaignsOf(sessionId)).toEqual([answers[0]!.json.campaignId]);
  });

  it("a refused call keeps no key: fixed and repeated with the same key, it runs", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const key = randomUUID();
    const bad = await post(
      "/rpc/create_campaign",
      { name: "", message: "m", sessionId, groupJids: jids },
      { ...crm, "idempotency-key": key },
    );
    expect(bad.json.code).toBe("invalid_name");
    // Another body under the same key is fine: the refused call stored nothing.
    const ok = await post(
      "/rpc/create_campaign",
      { name: "fixed", message: "m", sessionId, groupJids: jids },
      { ...crm, "idempotency-key": key },
    );
    expect(ok.status).toBe(200);
  });

  it("retry_failed_groups: one retry campaign however often it is asked with one key", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const {
      json: { campaignId },
    } = await post("/rpc/create_campaign", { name: "r", message: "m", sessionId, groupJids: jids }, crm);
    await post("/rpc/record_message_sent", { campaignId, sends: jids.map((groupJid) => ({ groupJid, errorCode: 421 })) }, crm);
    const key = randomUUID();
    const [a, b] = [
      await post("/rpc/retry_failed_groups", { campaignId }, { ...crm, "idempotency-key": key }),
      await post("/rpc/retry_failed_groups", { campaignId }, { ...crm, "idempotency-key": key }),
    ];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.json).toEqual(a.json);
    expect((await campaignsOf(sessionId)).length).toBe(2);
    // A key names one call: the same key on another endpoint is another body.
    const cross = await post(
      "/rpc/create_campaign",
      { name: "x", message: "m", sessionId, groupJids: jids },
      { ...crm, "idempotency-key": key },
    );
    expect([cross.status, cross.json.code]).toEqual([422, "idempotency_key_reused"]);
  });

  it("keys belong to their caller: another key's identical call is its own", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const other = { "x-api-key": await newKey("crm") };
    const key = randomUUID();
    const body = { name: "mine", message: "m", sessionId, groupJids: jids };
    const a = await post("/rpc/create_campaign", body, { ...crm, "idempotency-key": key });
    const b = await post("/rpc/create_campaign", body, { ...other, "idempotency-key": key });
    expect(b.json.campaignId).not.toBe(a.json.campaignId);
  });

  it("a malformed key is 400 invalid_idempotency_key", async () => {
    for (const key of ["", "x".repeat(256), "two words", "tab\there"]) {
      const r = await post("/rpc/create_campaign", {}, { ...crm, "idempotency-key": key });
      expect([r.status, r.json?.code], `${JSON.stringify(key)}: ${r.text}`).toEqual([400, "invalid_idempotency_key"]);
    }
  });

  it("a rotated key keeps its keys: the same call with the new key (old one retiring or gone) answers the first campaign", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const label = `crm-${randomUUID()}`;
    const old = { "x-api-key": (await createApiKey(dbUrl, "crm", label)).key };
    const body = { name: "lost answer", message: "m", sessionId, groupJids: jids };
    const key = randomUUID();
    const first = await post("/rpc/create_campaign", body, { ...old, "idempotency-key": key });
    expect(first.status).toBe(200);
    // The CRM re-sends the call it lost the answer to, with the key the rotation gave it.
    const rotated = { "x-api-key": apiKeyCli("rotate", label, "--grace", "600") };
    const again = await post("/rpc/create_campaign", body, { ...rotated, "idempotency-key": key });
    expect([again.status, again.json]).toEqual([200, first.json]);
    // The old key during its grace, and a second rotation (the first retiring key revoked at once).
    expect((await post("/rpc/create_campaign", body, { ...old, "idempotency-key": key })).json).toEqual(first.json);
    const twice = { "x-api-key": apiKeyCli("rotate", label) };
    expect((await post("/rpc/create_campaign", body, { ...twice, "idempotency-key": key })).json).toEqual(first.json);
    // Another body under that key is still refused for the whole lineage.
    const other = await post("/rpc/create_campaign", { ...body, name: "other" }, { ...twice, "idempotency-key": key });
    expect([other.status, other.json.code]).toEqual([422, "idempotency_key_reused"]);
    expect(await campaignsOf(sessionId)).toEqual([first.json.campaignId]);
  });

  it("a label revoked and created again is a new caller (revoke is not rotate)", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const label = `crm-${randomUUID()}`;
    const body = { name: "revoked", message: "m", sessionId, groupJids: jids };
    const key = randomUUID();
    const a = await post("/rpc/create_campaign", body, {
      "x-api-key": (await createApiKey(dbUrl, "crm", label)).key,
      "idempotency-key": key,
    });
    await revokeApiKey(dbUrl, label);
    const b = await post("/rpc/create_campaign", body, {
      "x-api-key": (await createApiKey(dbUrl, "crm", label)).key,
      "idempotency-key": key,
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.json.campaignId).not.toBe(a.json.campaignId);
  });

  it("JWTs: keys belong to the subject; a JWT without sub shares its keys only with the very same claims", async () => {
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "idem");
    const body = { name: "jwt", message: "m", sessionId, groupJids: jids };
    const key = randomUUID();
    const call = async (h: Record<string, string>) => (await post("/rpc/create_campaign", body, { ...h, "idempotency-key": key })).json;
    // Two different CRMs, each with a role-only JWT (no sub): never one key space.
    const crmA = await signCrm({ crm: "a" });
    const crmB = await signCrm({ crm: "b" });
    const a = await call(crmA);
    expect(await call(crmA)).toEqual(a); // the same token repeats its call
    const b = await call(crmB);
    expect(b.campaignId).not.toBe(a.campaignId);
    // With a subject: every token of that subject is one caller, another subject another one.
    const s1 = await call(await signCrm({ sub: "crm-1", iat: 1 }));
    expect(await call(await signCrm({ sub: "crm-1", iat: 2 }))).toEqual(s1);
    expect((await call(await signCrm({ sub: "crm-2" }))).campaignId).not.toBe(s1.campaignId);
    expect((await campaignsOf(sessionId)).length).toBe(4);
  });
});
