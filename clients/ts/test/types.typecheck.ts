// Type test (npm test runs tsc over it): the client used the way CRM and gateway code would.
// Wrong payload shapes must not compile: each @ts-expect-error below fails the check if the
// line after it ever starts compiling.
import { BackendError, createCrmClient, createGatewayClient, type Campaign, type ErrorCode } from "@wa-campaigns/client";

export async function crmFlow(url: string, apiKey: string) {
  const crm = createCrmClient({ url, apiKey });
  const { campaignId, totalGroups } = await crm.createCampaign({
    name: "Black Friday",
    message: "Hello!",
    sessionId: "wa_x",
    groupJids: ["120363041234567890@g.us"],
  });
  await crm.recordMessageSent({
    campaignId,
    sends: [
      { groupJid: "120363041234567890@g.us", messageId: "3EB0C767D097B7C7C030" },
      { groupJid: "120363041234567891@g.us", errorCode: 463, errorMessage: "not allowed" },
    ],
  });
  const campaign: Campaign = await crm.getCampaign(campaignId);
  const done: boolean = campaign.pending_count === 0 && totalGroups === campaign.total_groups;
  const failed = await crm.listFailedGroups(campaignId);
  const reasons = failed.map((g) => `${g.group_jid}: ${g.error_code ?? "?"} ${g.error_message ?? ""}`);

  // @ts-expect-error groupJids is required
  await crm.createCampaign({ name: "x", message: "y", sessionId: "wa_x" });
  // @ts-expect-error groupJids holds strings
  await crm.createCampaign({ name: "x", message: "y", sessionId: "wa_x", groupJids: [1] });
  // @ts-expect-error a send is either sent (messageId) or failed (errorCode/errorMessage)
  await crm.recordMessageSent({ campaignId, sends: [{ groupJid: "120363041234567890@g.us" }] });
  // @ts-expect-error campaignId is a number
  await crm.recordMessageSent({ campaignId: "1", sends: [] });
  // @ts-expect-error status is one of the documented values
  await crm.listCampaigns({ status: "done" });
  return { done, reasons };
}

export async function gatewayFlow(url: string, apiKey: string) {
  const gateway = createGatewayClient({ url, apiKey });
  await gateway.syncGroups({ sessionId: "wa_x", groups: [{ id: "120363041234567890@g.us", subject: "A", isCommunity: false }] });
  const r = await gateway.recordMessageError({ sessionId: "wa_x", messageId: "3EB0", errorCode: "463" });
  const outcome: "applied" | "duplicate" | "pending_match" | "quarantined" | undefined = r.results[0]?.outcome;

  // @ts-expect-error sessionId is required
  await gateway.syncGroups({ groups: [] });
  // @ts-expect-error messageId is required
  await gateway.recordMessageError({ sessionId: "wa_x", errorCode: 420 });
  // @ts-expect-error the gateway client has no CRM calls
  await gateway.createCampaign({});
  return outcome;
}

export function handle(e: unknown): ErrorCode | undefined {
  if (e instanceof BackendError) {
    // code is a string-literal union: a typo is a compile error
    // @ts-expect-error not a documented code
    if (e.code === "unsendable_group") return undefined;
    return e.code;
  }
  return undefined;
}

export function detailsOf(e: BackendError): string[] | undefined {
  if (e.is("unsendable_groups")) return e.details.groupJids; // narrowed to the code's details
  // @ts-expect-error invalid_transition's details have no groupJids
  if (e.is("invalid_transition")) return e.details.groupJids;
  return undefined;
}
