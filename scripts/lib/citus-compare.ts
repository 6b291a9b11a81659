// The measured comparison of npm run test:citus (docs/scaling.md): the same error-ACK traffic
// through PostgREST with the project's client against the Citus coordinator and against a
// single-node PostgreSQL of the same build on the same machine (a scratch cluster: the same
// throwaway settings as the Citus nodes, the same migrations, its own PostgREST with the same pool).
// One machine, every process on the same 2 cores: a ratio for this machine, not a multi-host figure.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createCrmClient, createGatewayClient } from "../../clients/ts/src/index.js";
import { jidFrom } from "../../test/support/jids.js";
import { createApiKey } from "./api-keys.js";
import { withClient } from "./db.js";
import { migrate } from "./migrate.js";
import { localCluster, startCluster, stopCluster } from "./postgres.js";
import { startPostgrest } from "./postgrest.js";
import { freePort } from "./run.js";
import { randomSecret } from "./secrets.js";

export const POOL_SIZE = 10;
export const SINGLE_ACKS = 100;
export const BATCHES = 40;
export const BATCH = 100;
export const BATCH_CLIENTS = 4;

export interface AckFigures {
  singleAck: { requests: number; medianMs: number; p95Ms: number };
  batchOf100: { batches: number; clients: number; events: number; seconds: number; eventsPerSecond: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Single error ACKs one after the other (latency of each, after 10 to warm up), then batches of
 * 100 from BATCH_CLIENTS concurrent clients (events per second), every ACK applied to a sent row.
 */
export async function measureAcks(apiUrl: string, adminUrl: string, label: string, jidBase: number): Promise<AckFigures> {
  const gateway = createGatewayClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "gateway", `${label}-gw`)).key });
  const crm = createCrmClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "crm", `${label}-crm`)).key });
  const sentCampaign = async (sessionId: string, n: number, base: number) => {
    const jids = Array.from({ length: n }, (_, i) => jidFrom(base + i));
    await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: "m" })) });
    const { campaignId } = await crm.createCampaign({ name: sessionId, message: "m", sessionId, groupJids: jids });
    const ids = jids.map((_, i) => `${label}${sessionId}X${i}`.toUpperCase());
    for (let b = 0; b < n; b += 1000)
      await crm.recordMessageSent({
        campaignId,
        sends: jids.slice(b, b + 1000).map((groupJid, i) => ({ groupJid, messageId: ids[b + i]! })),
      });
    return { sessionId, jids, ids };
  };
  const warm = 10;
  const one = await sentCampaign(`${label}_single`, SINGLE_ACKS + warm, jidBase);
  const ms: number[] = [];
  for (const [i, messageId] of one.ids.entries()) {
    const t = performance.now();
    await gateway.recordMessageError({
      event: "message_error",
      sessionId: one.sessionId,
      messageId,
      groupJid: one.jids[i]!,
      errorCode: 420,
    });
    if (i >= warm) ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  // Batches: each client its own session (a gateway posts its own session's ACKs).
  const perClient = BATCHES / BATCH_CLIENTS;
  const sessions = [];
  for (let c = 0; c < BATCH_CLIENTS; c++)
    sessions.push(await sentCampaign(`${label}_batch${c}`, perClient * BATCH, jidBase + 10_000 * (c + 1)));
  const t = performance.now();
  await Promise.all(
    sessions.map(async (s) => {
      for (let b = 0; b < perClient; b++)
        await gateway.recordMessageError(
          s.ids.slice(b * BATCH, (b + 1) * BATCH).map((messageId, i) => ({
            event: "message_error" as const,
            sessionId: s.sessionId,
            messageId,
            groupJid: s.jids[b * BATCH + i]!,
            errorCode: 420,
          })),
        );
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    singleAck: { requests: ms.length, medianMs: round1(percentile(ms, 0.5)), p95Ms: round1(percentile(ms, 0.95)) },
    batchOf100: {
      batches: BATCHES,
      clients: BATCH_CLIENTS,
      events: BATCHES * BATCH,
      seconds: round1(seconds),
      eventsPerSecond: Math.round((BATCHES * BATCH) / seconds),
    },
  };
}

export interface SingleNode {
  url: string;
  apiUrl: string;
  stop(): Promise<void>;
}

/** A scratch single-node PostgreSQL 15 (no Citus) in `dir`, migrated, with its own PostgREST. */
export async function startSingleNode(binDir: string, dir: string, port: number, db: string): Promise<SingleNode> {
  const cluster = localCluster(join(dir, "single"), join(dir, "run"), port);
  rmSync(cluster.dataDir, { recursive: true, force: true }); // a scratch: a kept one from an earlier run goes
  startCluster(binDir, cluster, { throwaway: true });
  await withClient(cluster.url("postgres"), (c) => c.query(`create database ${db}`));
  const url = cluster.url(db);
  await migrate(url, { quiet: true });
  const api = await startPostgrest({
    dbUri: cluster.urlAs("authenticator", db),
    jwtSecret: randomSecret(),
    port: await freePort(),
    poolSize: POOL_SIZE,
    logLevel: "crit",
  });
  return {
    url,
    apiUrl: api.url,
    stop: async () => {
      await api.stop();
      stopCluster(binDir, cluster, "immediate");
    },
  };
}
