// Scenario 3: group sync of realistic Baileys payloads (participant arrays included): first sync,
// no-change re-sync, 10% changed. Ours (one RPC) vs the original flow (TypeScript filter/map +
// bulk upsert through the table endpoint) vs a lower bound: the same rows' INSERT … ON CONFLICT
// sent straight to PostgreSQL.
import { originalSyncGroups, mapGroups, type RawGroup } from "../baselines/ts-group-sync.js";
import { tableClient } from "../baselines/edge-function-ack.js";
import { createGatewayClient } from "../../clients/ts/src/index.js";
import type { BenchEnv } from "../lib/env.js";
import { jidFrom } from "../../test/support/jids.js";
import { round, timed } from "../lib/stats.js";

export interface SyncRow {
  groups: number;
  payloadMB: number;
  phase: string;
  oursMs: number;
  oursClientMs: number;
  baselineMs: number;
  rawMs: number;
  oursVsRaw: number;
  oursClientVsRaw: number;
  baselineVsOurs: number;
  baselineVsOursClient: number;
  oursRowsWritten: number;
  baselineRowsWritten: number;
}

export function baileysPayload(n: number, offset: number, changed = 0): RawGroup[] {
  return Array.from({ length: n }, (_, i) => {
    const participants = 10 + ((i * 7919) % 50);
    return {
      id: jidFrom(offset + i),
      subject: `Group ${i}${i < changed ? " (renamed)" : ""}`,
      subjectOwner: "5511999999999@s.whatsapp.net",
      subjectTime: i % 3 ? 1700000000 : null,
      size: participants,
      creation: 1690000000,
      owner: "5511999999999@s.whatsapp.net",
      desc: "Team chat",
      restrict: false,
      announce: i % 10 === 0,
      isCommunity: i % 50 === 0,
      isCommunityAnnounce: i % 50 === 1,
      linkedParent: i % 50 === 1 ? jidFrom(offset + i - 1) : undefined,
      participants: Array.from({ length: participants }, (_, p) => ({
        id: `55119${String(p).padStart(8, "0")}@s.whatsapp.net`,
        admin: p === 0 ? "superadmin" : null,
      })),
    } as RawGroup;
  });
}

async function rowVersions(env: BenchEnv, sessionId: string): Promise<Map<string, string>> {
  const { rows } = await env.db.query("select id::text, ctid::text from whatsapp_groups where session_id = $1", [sessionId]);
  return new Map(rows.map((r) => [r.id, r.ctid]));
}
const rewritten = (a: Map<string, string>, b: Map<string, string>) => [...b].filter(([id, ctid]) => a.get(id) !== ctid).length;

async function rawUpsert(env: BenchEnv, rows: ReturnType<typeof mapGroups>) {
  await env.db.query(
    `insert into whatsapp_groups (session_id, group_jid, name, participant_count, is_community_announce, linked_parent_jid, announce)
    select session_id, group_jid, name, participant_count, is_community_announce, linked_parent_jid, announce
    from jsonb_to_recordset($1::jsonb) as x(session_id text, group_jid text, name text, participant_count int,
      is_community_announce boolean, linked_parent_jid text, announce boolean)
    on conflict (session_id, group_jid) do update set name = excluded.name, participant_count = excluded.participant_count,
      is_community_announce = excluded.is_community_announce, linked_parent_jid = excluded.linked_parent_jid,
      announce = excluded.announce, updated_at = now()`,
    [JSON.stringify(rows)],
  );
}

export async function groupSync(env: BenchEnv, sizes: number[]): Promise<SyncRow[]> {
  const baseline = tableClient(env.baseline.url, env.baselineJwt);
  const out: SyncRow[] = [];
  for (const n of sizes) {
    const phases: [string, RawGroup[]][] = [
      ["first sync", baileysPayload(n, 0)],
      ["no-change re-sync", baileysPayload(n, 0)],
      ["10% changed", baileysPayload(n, 0, Math.floor(n / 10))],
    ];
    const s = { ours: `sync_ours_${n}`, client: `sync_client_${n}`, base: `sync_base_${n}`, raw: `sync_raw_${n}` };
    const gateway = createGatewayClient({ url: env.ours.url, apiKey: env.gatewayKey });
    for (const [phase, groups] of phases) {
      const body = JSON.stringify({ sessionId: s.ours, groups });
      const beforeOurs = await rowVersions(env, s.ours);
      const [oursMs] = await timed(async () => {
        const res = await fetch(`${env.ours.url}/rpc/sync_groups`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": env.gatewayKey },
          body,
        });
        if (res.status !== 200) throw new Error(`ours: ${res.status} ${await res.text()}`);
        await res.text();
      });
      const oursRowsWritten = rewritten(beforeOurs, await rowVersions(env, s.ours));
      // The same sync through the TypeScript client, which sends only the stored fields.
      const [oursClientMs] = await timed(() => gateway.syncGroups({ sessionId: s.client, groups }));
      // The edge function received the gateway's raw body too: parsing it is part of its work.
      const rawBody = JSON.stringify({ sessionId: s.base, groups });
      const beforeBase = await rowVersions(env, s.base);
      const [baselineMs] = await timed(() => originalSyncGroups(baseline, s.base, (JSON.parse(rawBody) as { groups: RawGroup[] }).groups));
      const baselineRowsWritten = rewritten(beforeBase, await rowVersions(env, s.base));
      const rows = mapGroups(s.raw, groups);
      const [rawMs] = await timed(() => rawUpsert(env, rows));
      const row = {
        groups: n,
        payloadMB: round(body.length / 1e6, 1),
        phase,
        oursMs: round(oursMs, 0),
        oursClientMs: round(oursClientMs, 0),
        baselineMs: round(baselineMs, 0),
        rawMs: round(rawMs, 0),
        oursVsRaw: round(oursMs / rawMs, 1),
        oursClientVsRaw: round(oursClientMs / rawMs, 1),
        baselineVsOurs: round(baselineMs / oursMs, 2),
        baselineVsOursClient: round(baselineMs / oursClientMs, 2),
        oursRowsWritten,
        baselineRowsWritten,
      };
      console.log(
        `  sync ${n} ${phase}: ours ${row.oursMs} ms (${oursRowsWritten} rows written), via client ${row.oursClientMs} ms, baseline ${row.baselineMs} ms (${baselineRowsWritten}), raw ${row.rawMs} ms`,
      );
      out.push(row);
    }
  }
  return out;
}
