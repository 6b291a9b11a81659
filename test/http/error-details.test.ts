// The client's ErrorDetails say what the backend sends: each code with structured details is
// provoked through the real API and its details checked against the declared shape, through the
// client's typed guard (BackendError.is narrows details; this file compiles only if they agree).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, createOpsClient, type CrmClient } from "../../clients/ts/src/index.js";
import { apiUrl, db, newKey } from "../support/env.js";
import { post, rejection } from "../support/http.js";
import { groupJid, seedSession } from "../support/fixtures.js";

let crm: CrmClient;
let gatewayKey: string;
beforeAll(async () => {
  crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm"), retry: { retries: 0 } });
  gatewayKey = await newKey("gateway");
});
afterAll(() => db.end());

describe("error details", () => {
  it("each structured code's details have the declared shape", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 3, "details");
    const stranger = groupJid();

    const unsendable = await rejection(crm.createCampaign({ name: "d", message: "m", sessionId, groupJids: [jids[0]!, stranger] }));
    expect(unsendable.is("unsendable_groups") && [unsendable.details.count, unsendable.details.groupJids]).toEqual([1, [stranger]]);

    const badJid = await rejection(crm.createCampaign({ name: "d", message: "m", sessionId, groupJids: [jids[0]!, "nope"] }));
    expect(badJid.is("invalid_group_jids") && badJid.details.index).toBe(1);

    const dup = await rejection(crm.createCampaign({ name: "d", message: "m", sessionId, groupJids: [jids[0]!, jids[0]!] }));
    expect(dup.is("duplicate_group_jid") && dup.details.groupJid).toBe(jids[0]);

    const { campaignId } = await crm.createCampaign({ name: "d", message: "m", sessionId, groupJids: jids });
    const unknown = await rejection(crm.recordMessageSent({ campaignId, sends: [{ groupJid: stranger, messageId: `${sessionId}-x` }] }));
    expect(unknown.is("unknown_campaign_groups") && unknown.details.groupJids).toEqual([stranger]);

    const badSend = await rejection(crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[0]! }] as never }));
    expect(badSend.is("invalid_sends") && badSend.details.index).toBe(0);

    await crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[0]!, messageId: `${sessionId}-a` }] });
    const conflict = await rejection(crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[0]!, messageId: `${sessionId}-b` }] }));
    expect(conflict.is("send_conflict") && [conflict.details.count, conflict.details.rows[0]]).toEqual([
      1,
      { groupJid: jids[0], status: "sent", messageId: `${sessionId}-a` },
    ]);

    const reused = await rejection(crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[1]!, messageId: `${sessionId}-a` }] }));
    expect(reused.is("duplicate_message_id") && reused.details).toEqual({ messageId: `${sessionId}-a`, groupJid: jids[0] });

    const transition = await rejection(crm.scheduleCampaign(campaignId, true));
    expect(transition.is("invalid_transition") && transition.details).toEqual({ status: "sending", action: "schedule" });

    const nothing = await rejection(crm.retryFailedGroups({ campaignId }));
    expect(nothing.is("nothing_to_retry") && nothing.details.failed).toBe(0);

    const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
    const badGroup = await rejection(
      gateway.syncGroups({ sessionId, groups: [{ id: jids[0]! }, { id: jids[1]!, isCommunity: "yes" as never }] }),
    );
    expect(badGroup.is("invalid_group_field") && badGroup.details).toEqual({ index: 1, field: "isCommunity" });

    // resolve_quarantined answers these two (details an object on the wire, not JSON text).
    const ops = createOpsClient({ url: apiUrl, apiKey: await newKey("ops") });
    const messageId = `${sessionId}-nosession`;
    await post("/rpc/record_message_error", { messageId, errorCode: 420 }, { "x-api-key": gatewayKey }); // session_required
    const { rows } = await db.query("select id::int from message_error_quarantine where raw ->> 'messageId' = $1", [messageId]);
    const refused = await rejection(ops.resolveQuarantined({ id: rows[0]!.id, action: "replay" }));
    expect(refused.is("replay_refused") && [refused.details.endpoint, refused.details.code]).toEqual([
      "record_message_error",
      "session_required",
    ]);
    const mismatch = await rejection(ops.resolveQuarantined({ id: rows[0]!.id, action: "replay", sessionId }));
    expect(mismatch.is("replay_session_mismatch") && mismatch.details).toEqual({ sessionId, messageId });
  });
});
