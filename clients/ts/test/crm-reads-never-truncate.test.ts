// Every list read returns all rows, whatever PostgREST's max-rows (npm test runs it with 1000):
// a campaign built from listSendableGroups must never silently miss groups.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, type CrmClient } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { seedSession } from "../../../test/support/fixtures.js";

let crm: CrmClient;
let gatewayKey: string;
beforeAll(async () => {
  crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm") });
  gatewayKey = await newKey("gateway");
});
afterAll(() => db.end());

describe("CRM list reads page through to the end", () => {
  it("1,500 sendable groups → 1,500 rows, a 1,500-group campaign, 1,500 failed groups", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 1500);
    const groups = await crm.listSendableGroups(sessionId);
    expect(groups).toHaveLength(1500);
    expect(new Set(groups.map((g) => g.group_jid))).toEqual(new Set(jids));

    const { campaignId, totalGroups } = await crm.createCampaign({
      name: "all",
      message: "m",
      sessionId,
      groupJids: groups.map((g) => g.group_jid),
    });
    expect(totalGroups).toBe(1500);
    await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid) => ({ groupJid, errorCode: 463 })) });
    const failed = await crm.listFailedGroups(campaignId);
    expect(failed).toHaveLength(1500);
    expect(new Set(failed.map((g) => g.id)).size).toBe(1500);
  });

  it("an explicit limit is honoured, also above the server's page size", async () => {
    const { sessionId } = await seedSession(gatewayKey, 1200);
    expect(await crm.listSendableGroups(sessionId, { limit: 1100 })).toHaveLength(1100);
    expect(await crm.listSendableGroups(sessionId, { limit: 3 })).toHaveLength(3);
  });
});
