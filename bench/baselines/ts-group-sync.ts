// Baseline: the original group sync: filter and map in TypeScript, then one bulk upsert through
// PostgREST's table endpoint (every row is written on every sync).
import type { TableClient } from "./edge-function-ack.js";

import type { BaileysGroup } from "../../clients/ts/src/contracts.generated.js";

export type RawGroup = BaileysGroup;

export function mapGroups(sessionId: string, groups: RawGroup[]) {
  return groups
    .filter((g) => !g.isCommunity)
    .map((g) => ({
      session_id: sessionId,
      group_jid: g.id,
      name: g.subject ?? null,
      participant_count: g.size ?? g.participants?.length ?? 0,
      is_community_announce: g.isCommunityAnnounce ?? false,
      linked_parent_jid: g.linkedParent ?? null,
      announce: g.announce ?? false,
    }));
}

export async function originalSyncGroups(client: TableClient, sessionId: string, groups: RawGroup[]) {
  const rows = mapGroups(sessionId, groups);
  const r = await client.from("whatsapp_groups").upsert(rows, { onConflict: "session_id,group_jid" });
  if (r.error) throw new Error(r.error.message);
  return rows.length;
}
