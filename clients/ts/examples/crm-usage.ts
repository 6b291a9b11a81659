// CRM and gateway code as a user writes it, from a project that installed the package.
// npm test packs the client, installs the tarball into a scratch project and runs this file there
// (compiled by tsc) against the real backend. Run it yourself with:
//   BACKEND_URL=http://127.0.0.1:3000 CRM_KEY=wak_… GATEWAY_KEY=wak_… node crm-usage.js
import { BackendError, createCrmClient, createGatewayClient } from "@wa-campaigns/client";

const url = process.env.BACKEND_URL ?? "http://127.0.0.1:3000";
const sessionId = process.env.SESSION_ID ?? "wa_example";
const gateway = createGatewayClient({ url, apiKey: process.env.GATEWAY_KEY! });
const crm = createCrmClient({ url, apiKey: process.env.CRM_KEY! });

// The gateway reports its groups: a community parent, its announcement group, an ordinary group.
const [parent, announce, plain] = ["120363400000000001@g.us", "120363400000000002@g.us", "120363400000000003@g.us"];
await gateway.syncGroups({
  sessionId,
  groups: [
    { id: parent, subject: "Acme", isCommunity: true },
    { id: announce, subject: "Acme", isCommunityAnnounce: true, linkedParent: parent },
    { id: plain, subject: "Customers", size: 42 },
  ],
});

// The CRM targets every sendable group (never the parent) and records what it sent.
const targets = await crm.listSendableGroups(sessionId);
const { campaignId } = await crm.createCampaign({
  name: "Black Friday",
  message: "Hello!",
  sessionId,
  groupJids: targets.map((g) => g.group_jid),
});
await crm.recordMessageSent({
  campaignId,
  sends: targets.map((g, i) => ({ groupJid: g.group_jid, messageId: `3EB0${sessionId.toUpperCase()}${i}` })),
});

// WhatsApp rejects one message later: the gateway forwards the error ACK.
await gateway.recordMessageError({ sessionId, messageId: `3EB0${sessionId.toUpperCase()}0`, errorCode: 420 });

const campaign = await crm.getCampaign(campaignId);
const failed = await crm.listFailedGroups(campaignId);
try {
  await crm.getCampaign(-1);
} catch (e) {
  if (!(e instanceof BackendError) || e.code !== "campaign_not_found") throw e;
}
console.log(
  JSON.stringify({
    targets: targets.map((g) => g.group_jid).sort(),
    status: campaign.status,
    total: campaign.total_groups,
    sent: campaign.sent_count,
    failed: campaign.failed_count,
    errors: failed.map((g) => g.error_code),
  }),
);
