// HTTP: the x-api-key header decides who calls; missing, wrong and revoked keys get 401 JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey } from "../../scripts/lib/api-keys.js";
import { apiUrl, db, dbUrl, newKey } from "../support/env.js";
import { post } from "../support/http.js";
import { groupJid, uniqueSession } from "../support/fixtures.js";

let gatewayKey: string;
let revokedKey: string;

beforeAll(async () => {
  gatewayKey = await newKey("gateway");
  revokedKey = await newKey("gateway", "to-revoke-key-auth");
  await revokeApiKey(dbUrl, "to-revoke-key-auth");
});
afterAll(() => db.end());

const body = () => ({ sessionId: uniqueSession(), groups: [{ id: groupJid() }] });

describe("API keys over HTTP", () => {
  it("a valid gateway key may sync groups", async () => {
    const r = await post("/rpc/sync_groups", body(), { "x-api-key": gatewayKey });
    expect(r.status).toBe(200);
    expect(r.json.inserted).toBe(1);
  });

  it("no key is 401 missing_credentials", async () => {
    const r = await post("/rpc/sync_groups", body());
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: "missing_credentials" });
  });

  it("a wrong key is 401 invalid_api_key", async () => {
    const r = await post("/rpc/sync_groups", body(), { "x-api-key": gatewayKey.slice(0, -2) + "xx" });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: "invalid_api_key" });
  });

  it("a revoked key is 401 invalid_api_key", async () => {
    const r = await post("/rpc/sync_groups", body(), { "x-api-key": revokedKey });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: "invalid_api_key" });
  });

  it("a refused call stored nothing", async () => {
    const b = body();
    await post("/rpc/sync_groups", b, { "x-api-key": revokedKey });
    const { rows } = await db.query("select count(*)::int as n from whatsapp_groups where session_id = $1", [b.sessionId]);
    expect(rows[0].n).toBe(0);
  });

  it("the OpenAPI document is served without a key and lists the gateway RPCs", async () => {
    const res = await fetch(apiUrl + "/");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/rpc/sync_groups", "/rpc/record_message_error"]));
  });
});
