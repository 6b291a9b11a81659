// The CRM client against the real PostgREST: every method, API key and JWT, typed errors.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, type CrmClient } from "../src/index.js";
import { apiUrl, db, jwtSecret, newKey } from "../../../test/support/env.js";
import { rejection } from "../../../test/support/http.js";
import { seedSession } from "../../../test/support/fixtures.js";

let crm: CrmClient;
let gatewayKey: string;
beforeAll(async () => {
  crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm") });
  gatewayKey = await newKey("gateway");
});
afterAll(() => db.end());

describe("createCrmClient", () => {
  it("runs a campaign end to end: create, send results, late error, read back", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 3);
    expect((await crm.listSendableGroups(sessionId)).map((g) => g.group_jid)).toEqual([...jids].sort());

    const created = await crm.createCampaign({ name: "Promo", message: "Hi", sessionId, groupJids: jids });
    expect(created).toMatchObject({ totalGroups: 3, status: "draft" });
    const { campaignId } = created;

    const sent = await crm.recordMessageSent({
      campaignId,
      sends: [
        { groupJid: jids[0]!, messageId: `${sessionId}_1` },
        { groupJid: jids[1]!, messageId: `${sessionId}_2` },
        { groupJid: jids[2]!, errorCode: 463, errorMessage: "not allowed" },
      ],
    });
    expect(sent).toMatchObject({ sent: 2, failed: 1, campaign: { status: "partial_failure", pendingCount: 0 } });

    const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
    await gateway.recordMessageError({ sessionId, messageId: `${sessionId}_2`, errorCode: 420, errorMessage: "late" });

    const c = await crm.getCampaign(campaignId);
    expect(c).toMatchObject({ id: campaignId, total_groups: 3, sent_count: 1, failed_count: 2, status: "partial_failure" });
    const all = await crm.listCampaignGroups(campaignId);
    expect(all.map((g) => g.status).sort()).toEqual(["failed", "failed", "sent"]);
    expect((await crm.listCampaignGroups(campaignId, { status: "sent" })).map((g) => g.message_id)).toEqual([`${sessionId}_1`]);
    const failed = await crm.listFailedGroups(campaignId);
    expect(failed.map((g) => [g.group_jid, g.error_code])).toEqual(
      expect.arrayContaining([
        [jids[1], 420],
        [jids[2], 463],
      ]),
    );
    const list = await crm.listCampaigns({ sessionId });
    expect(list.map((x) => x.id)).toEqual([campaignId]);
    expect(await crm.listCampaigns({ sessionId, status: "completed" })).toEqual([]);
  });

  it("unsendable groups are refused with their list", async () => {
    const { sessionId } = await seedSession(gatewayKey, 1);
    const e = await rejection(crm.createCampaign({ name: "x", message: "y", sessionId, groupJids: ["120363999999999999@g.us"] }));
    expect(e).toMatchObject({ code: "unsendable_groups", status: 422, details: { count: 1, groupJids: ["120363999999999999@g.us"] } });
  });

  it("an unknown campaign is 404 campaign_not_found, for reads and writes", async () => {
    expect(await rejection(crm.getCampaign(987654321))).toMatchObject({ code: "campaign_not_found", status: 404 });
    expect(
      await rejection(crm.recordMessageSent({ campaignId: 987654321, sends: [{ groupJid: "120363000000000001@g.us", messageId: "m" }] })),
    ).toMatchObject({ code: "campaign_not_found" });
  });

  it("works with a JWT carrying role crm", async () => {
    const jwt = await new SignJWT({ role: "crm" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(jwtSecret));
    const viaJwt = createCrmClient({ url: apiUrl, jwt });
    expect(Array.isArray(await viaJwt.listCampaigns({ limit: 1 }))).toBe(true);
  });

  it("a gateway key reading campaigns is 403 forbidden", async () => {
    const wrong = createCrmClient({ url: apiUrl, apiKey: gatewayKey });
    expect(await rejection(wrong.listCampaigns())).toMatchObject({ code: "forbidden", status: 403 });
  });
});

describe("calls that create something are retried once per logical call", () => {
  it("an answer lost after the campaign was created: the retry carries the same Idempotency-Key and creates nothing more", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 2);
    const keys: (string | null)[] = [];
    let lose = 1;
    // The first answer never reaches the CRM (the connection drops after the server committed).
    const flaky: typeof fetch = async (input, init) => {
      keys.push(new Headers(init?.headers).get("idempotency-key"));
      const res = await fetch(input, init);
      if (lose-- > 0) throw new TypeError("fetch failed");
      return res;
    };
    const client = createCrmClient({ url: apiUrl, apiKey: await newKey("crm"), fetch: flaky, retry: { baseDelayMs: 10 } });
    const created = await client.createCampaign({ name: "once", message: "m", sessionId, groupJids: jids });
    expect(keys.length).toBe(2);
    expect(keys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(keys[1]).toBe(keys[0]);
    const { rows } = await db.query("select id::int from notification_campaigns where session_id = $1", [sessionId]);
    expect(rows.map((r) => r.id)).toEqual([created.campaignId]);
    // A second logical call is a new key: a second campaign.
    await client.createCampaign({ name: "twice", message: "m", sessionId, groupJids: jids });
    expect(new Set(keys).size).toBe(2);
  });
});
