// Test data: sessions and group JIDs of their own, Baileys-shaped groups, a seeded session over
// HTTP, a campaign's totals next to its rows.
import { randomUUID } from "node:crypto";
import { db } from "./env.js";
import { post } from "./http.js";
import { jidFrom } from "./jids.js";

/** A session id of its own, so that test files running in parallel never share data. */
export const uniqueSession = (prefix = "wa") => `${prefix}_${randomUUID().slice(0, 8)}`;

// Per test process: a random base keeps parallel test files apart even for global lookups.
let jidCounter = Math.floor(Math.random() * 1e5) * 1e6;
/** A fresh group JID (unique within this process; sessions keep tests apart anyway). */
export function groupJid(n?: number): string {
  return jidFrom(n ?? ++jidCounter);
}

export { jidFrom };

/** A GroupMetadata object as Baileys' groupFetchAllParticipating() returns it. */
export function baileysGroup(id: string, extra: Record<string, unknown> = {}, participants = 3) {
  return {
    id,
    subject: `Group ${id.slice(-10, -5)}`,
    subjectOwner: "5511999999999@s.whatsapp.net",
    subjectTime: 1700000000,
    size: participants,
    creation: 1690000000,
    owner: "5511999999999@s.whatsapp.net",
    desc: "A group",
    restrict: false,
    announce: false,
    isCommunity: false,
    isCommunityAnnounce: false,
    joinApprovalMode: false,
    memberAddMode: true,
    participants: Array.from({ length: participants }, (_, i) => ({
      id: `55119${String(i).padStart(8, "0")}@s.whatsapp.net`,
      admin: i === 0 ? "superadmin" : null,
    })),
    ...extra,
  };
}

/** Syncs `n` fresh groups for a new session over HTTP; returns the session and the JIDs. */
export async function seedSession(gatewayKey: string, n: number, prefix = "wa") {
  const sessionId = uniqueSession(prefix);
  const jids = Array.from({ length: n }, () => groupJid());
  const r = await post("/rpc/sync_groups", { sessionId, groups: jids.map((id) => baileysGroup(id)) }, { "x-api-key": gatewayKey });
  if (r.status !== 200) throw new Error(`seed failed: ${r.status} ${r.text}`);
  return { sessionId, jids };
}

/** Totals of a campaign next to its rows' actual counts. */
export async function campaignTotals(campaignId: number) {
  const { rows } = await db.query(
    `select c.status, c.total_groups, c.pending_count, c.sent_count, c.failed_count,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id) as rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'pending') as pending_rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'sent') as sent_rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'failed') as failed_rows
     from notification_campaigns c where c.id = $1`,
    [campaignId],
  );
  return rows[0];
}
