// The client's functions for the campaign lifecycle (crm) and for operators (ops), against the real backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, createOpsClient, BackendError } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { rejection } from "../../../test/support/http.js";
import { seedSession } from "../../../test/support/fixtures.js";

let gatewayKey: string;
let crm: ReturnType<typeof createCrmClient>;
let ops: ReturnType<typeof createOpsClient>;
beforeAll(async () => {
  gatewayKey = await newKey("gateway");
  crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm") });
  ops = createOpsClient({ url: apiUrl, apiKey: await newKey("ops") });
});
afterAll(() => db.end());

describe("lifecycle and ops through the client", () => {
  it("schedules, cancels and retries; reads sessions; ops reads error codes and metrics", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 3, "cli");
    const { campaignId } = await crm.createCampaign({ name: "c", message: "m", sessionId, groupJids: jids });
    expect((await crm.scheduleCampaign(campaignId, true)).status).toBe("scheduled");
    const e = await rejection(crm.scheduleCampaign(campaignId, true));
    expect([e.status, e.code]).toEqual([409, "invalid_transition"]);
    await crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[0]!, errorCode: 420 }] });
    const cancelled = await crm.cancelCampaign(campaignId);
    expect(cancelled).toMatchObject({ status: "cancelled", cancelledGroups: 2 });
    const retry = await crm.retryFailedGroups({ campaignId });
    expect(retry).toMatchObject({ retryOf: campaignId, totalGroups: 1 });
    const sessions = await crm.listSessions();
    expect(sessions.find((s) => s.session_id === sessionId)).toMatchObject({ restricted_at: null, group_count: 3 });
    expect(await ops.errorCodes(campaignId)).toEqual([expect.objectContaining({ error_code: 420, failures: 1 })]);
    expect(await ops.metrics()).toContain('wa_campaigns{status="cancelled"}');
    expect((await ops.expireUnmatchedAcks(999999999)).expired).toBe(0);
    expect(Array.isArray(await ops.ackBacklog())).toBe(true);
    const noOps = createOpsClient({ url: apiUrl, apiKey: gatewayKey });
    const refused = await noOps.metrics().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(refused).toBeInstanceOf(BackendError);
    expect((refused as BackendError).code).toBe("forbidden");
  });
});
