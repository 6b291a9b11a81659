// The hot paths as A/B cases (bench/lib/ab.ts): what the gateway and the CRM call most, each
// request the same on both sides. Fixtures are made in SQL through each side's own RPCs
// (api.sync_groups, api.create_campaign, api.record_message_sent: every build has them, with the
// same payloads); the timed requests go through each side's PostgREST with its API keys.
import type { AbCase } from "../lib/ab.js";
import { rpc } from "../lib/ab.js";
import { createCampaign, makeCampaign, markAllSent, syncGroups } from "../lib/fixtures.js";
import type { Side } from "../lib/sides.js";
import { jidFrom } from "../../test/support/jids.js";

export interface HotPathPlan {
  singleAcks: number;
  batches: number;
  resyncs: number;
  creations: number;
  sendRecords: number;
}

export const HOT_PATH_PLANS: Record<"full" | "quick", { rounds: number; perRound: HotPathPlan }> = {
  // Per side: 300 single ACKs, 20 batches of ACKs, 20 of progress events, 20 re-syncs of each
  // kind, 10 campaigns of 10,000 groups, 10 send records of 5,000.
  full: { rounds: 10, perRound: { singleAcks: 30, batches: 2, resyncs: 2, creations: 1, sendRecords: 1 } },
  quick: { rounds: 4, perRound: { singleAcks: 10, batches: 1, resyncs: 1, creations: 1, sendRecords: 1 } },
};

const ACK_CAMPAIGN = 10_000;
const BATCH = 100;
const SYNC_GROUPS = 1_000;
const CREATE_GROUPS = 10_000;
const SEND_RECORD = 5_000;

const vacuum = (side: Side) => side.db.query("vacuum analyze");

/** A sent campaign of `size` rows (message ids `${sessionId}_${i}` for group i), with room for `needed` ACKs. */
async function sentCampaign(side: Side, sessionId: string, size: number, needed: number) {
  if (needed > size) throw new Error(`${sessionId}: ${needed} events need a larger campaign than ${size}`);
  const id = await makeCampaign(side.db, sessionId, size);
  await markAllSent(side.db, id, sessionId, size);
  await vacuum(side);
}

const errorEvent = (sessionId: string, i: number) => ({
  event: "message_error",
  sessionId,
  messageId: `${sessionId}_${i}`,
  groupJid: jidFrom(i),
  errorCode: 420,
  errorMessage: "bench",
});

/** The compact group list a gateway client sends (stored fields only), community parents included. */
export function groupList(n: number, offset = 0, renamed = 0) {
  return Array.from({ length: n }, (_, j) => {
    const i = offset + j + 1;
    return {
      id: jidFrom(i),
      subject: `Group ${i}${j < renamed ? " (renamed)" : ""}`,
      size: 10 + ((i * 7919) % 50),
      announce: i % 10 === 0,
      isCommunity: i % 50 === 0,
      isCommunityAnnounce: i % 50 === 1,
      ...(i % 50 === 1 ? { linkedParent: jidFrom(i - 1) } : {}),
    };
  });
}

export function hotPathCases(p: HotPathPlan): AbCase[] {
  const singles: AbCase = {
    name: "single error ACK (10,000-row campaign)",
    perRound: p.singleAcks,
    warmup: 20,
    setup: async (side, n) => {
      await sentCampaign(side, "ab_single", ACK_CAMPAIGN, n);
      return true;
    },
    body: (_, k) => JSON.stringify(errorEvent("ab_single", k + 1)),
    request: async (side, body) => {
      const r = await rpc(side, "record_message_error", body, "gateway");
      if (r.counts?.applied !== 1) throw new Error(`${side.name}: ${JSON.stringify(r)}`);
    },
  };
  const batches: AbCase = {
    name: "batch of 100 error ACKs",
    perRound: p.batches,
    warmup: 2,
    setup: async (side, n) => {
      await sentCampaign(side, "ab_batch", ACK_CAMPAIGN, n * BATCH);
      return true;
    },
    body: (_, k) => JSON.stringify({ events: Array.from({ length: BATCH }, (_, e) => errorEvent("ab_batch", k * BATCH + e + 1)) }),
    request: async (side, body) => {
      const r = await rpc(side, "record_message_error", body, "gateway");
      if (r.counts?.applied !== BATCH) throw new Error(`${side.name}: ${JSON.stringify(r.counts)}`);
    },
  };
  const progress: AbCase = {
    name: "batch of 100 progress events",
    perRound: p.batches,
    warmup: 2,
    setup: async (side, n) => {
      if (!(await side.hasRpc("record_message_status"))) return "no record_message_status in this build";
      await sentCampaign(side, "ab_progress", ACK_CAMPAIGN, n * BATCH);
      return true;
    },
    body: (_, k) =>
      JSON.stringify({
        events: Array.from({ length: BATCH }, (_, e) => {
          const i = k * BATCH + e + 1;
          return { sessionId: "ab_progress", messageId: `ab_progress_${i}`, status: "delivered", at: 1764072000 + i };
        }),
      }),
    request: async (side, body) => {
      const r = await rpc(side, "record_message_status", body, "gateway");
      if (r.counts?.applied !== BATCH) throw new Error(`${side.name}: ${JSON.stringify(r.counts)}`);
    },
  };
  const unchanged = JSON.stringify({ sessionId: "ab_resync", groups: groupList(SYNC_GROUPS) });
  const sendable = groupList(SYNC_GROUPS).filter((g) => !g.isCommunity).length;
  const noChange: AbCase = {
    name: "no-change re-sync of 1,000 groups",
    perRound: p.resyncs,
    warmup: 2,
    setup: async (side) => {
      await rpc(side, "sync_groups", unchanged, "gateway");
      await vacuum(side);
      return true;
    },
    body: () => unchanged,
    request: async (side, body) => {
      const r = await rpc(side, "sync_groups", body, "gateway");
      if (r.unchanged !== sendable || r.updated !== 0) throw new Error(`${side.name}: ${JSON.stringify(r)}`);
    },
  };
  // Two versions of one list, a tenth of the subjects apart: every re-sync changes a tenth of the groups.
  const versions = [groupList(SYNC_GROUPS, 0, SYNC_GROUPS / 10), groupList(SYNC_GROUPS)].map((groups) =>
    JSON.stringify({ sessionId: "ab_resync_10", groups }),
  );
  const changedPerSync = groupList(SYNC_GROUPS)
    .slice(0, SYNC_GROUPS / 10)
    .filter((g) => !g.isCommunity).length;
  const tenth: AbCase = {
    name: "re-sync of 1,000 groups, 10% changed",
    perRound: p.resyncs,
    warmup: 2,
    setup: async (side) => {
      await rpc(side, "sync_groups", versions[1]!, "gateway");
      await vacuum(side);
      return true;
    },
    body: (_, k) => versions[k % 2]!,
    request: async (side, body) => {
      const r = await rpc(side, "sync_groups", body, "gateway");
      if (r.updated !== changedPerSync) throw new Error(`${side.name}: ${JSON.stringify(r)}`);
    },
  };
  const jids = Array.from({ length: CREATE_GROUPS }, (_, j) => jidFrom(j + 1));
  const create: AbCase = {
    name: "create_campaign of 10,000 groups",
    perRound: p.creations,
    warmup: 1,
    setup: async (side) => {
      await syncGroups(side.db, "ab_create", CREATE_GROUPS);
      await vacuum(side);
      return true;
    },
    body: (_, k) => JSON.stringify({ name: `ab ${k}`, message: "hello", sessionId: "ab_create", groupJids: jids }),
    request: async (side, body) => {
      const r = await rpc(side, "create_campaign", body, "crm");
      if (!Number.isInteger(r.campaignId)) throw new Error(`${side.name}: ${JSON.stringify(r)}`);
    },
  };
  const campaigns = new Map<string, number[]>();
  const sends: AbCase = {
    name: "record_message_sent of 5,000",
    perRound: p.sendRecords,
    warmup: 1,
    setup: async (side, n) => {
      await syncGroups(side.db, "ab_sent", SEND_RECORD);
      const ids: number[] = [];
      for (let k = 0; k < n; k++) ids.push(await createCampaign(side.db, "ab_sent", SEND_RECORD));
      campaigns.set(side.name, ids);
      await vacuum(side);
      return true;
    },
    body: (side, k) =>
      JSON.stringify({
        campaignId: campaigns.get(side.name)![k],
        sends: jids.slice(0, SEND_RECORD).map((groupJid, i) => ({ groupJid, messageId: `ab_sent_${k}_${i}` })),
      }),
    request: async (side, body) => {
      const r = await rpc(side, "record_message_sent", body, "crm");
      if (r.sent !== SEND_RECORD) throw new Error(`${side.name}: ${JSON.stringify(r).slice(0, 300)}`);
    },
  };
  return [singles, batches, progress, noChange, tenth, create, sends];
}
