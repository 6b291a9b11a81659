// npm run test:failover — the backend keeps its promise when the primary database server dies:
// a pg_auto_failover formation (monitor, primary, synchronous standby) on this machine, PostgREST
// on a multi-host connection string (target_session_attrs=read-write), 16 clients of the
// project's own client (with its retries) sending ACKs, progress, send records and syncs, and the
// primary killed (kill -9 of its keeper and of its postmaster, by pid). Then the old primary comes
// back as the standby and the new primary is killed the same way. After each failover: the
// standby was promoted, every request answered 2xx is in the database, every campaign's totals
// equal its rows, no client gave up. Prints a JSON report; exits 1 on any broken promise.
// Installs what it needs as root (like npm start). Not part of npm test or CI: it takes minutes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import {
  createCrmClient,
  createGatewayClient,
  withRetry,
  type CrmClient,
  type GatewayClient,
  type MessageErrorEvent,
} from "../clients/ts/src/index.js";
import { jidFrom } from "../test/support/jids.js";
import { seededRandom, shuffle } from "../test/support/random.js";
import { createApiKey } from "./lib/api-keys.js";
import { createFormation, ensureAutoFailover, type Formation, type FormationNode } from "./lib/auto-failover.js";
import { withClient } from "./lib/db.js";
import { migrate } from "./lib/migrate.js";
import { failed, observingFetch, type Answer } from "./lib/observed-fetch.js";
import { ensurePrerequisites } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort, sleep } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";

const CLIENTS = { acks: 8, progress: 2, sends: 4, syncs: 2 }; // 16 clients
const CAMPAIGNS = 4;
const GROUPS = 400;
// The client's own retry helper, with patience for a failover (about a minute of back-off).
const retry = { retries: 60, baseDelayMs: 100, maxDelayMs: 1000 };
const random = seededRandom(Number(process.env.WA_TEST_SEED ?? 20261125));

const t0 = Date.now();
const phase = (what: string) => console.log(`[failover +${Math.round((Date.now() - t0) / 1000)}s] ${what}`);

const pool = async <T>(items: T[], workers: number, fn: (x: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
};

interface Round {
  killed: string;
  promoted?: string;
  msToFirstWrite?: number;
  failedAnswersRetried: number;
  answers2xx: number;
  gaveUp: number;
  acksRecorded: number;
  sendsRecorded: number;
  syncs: number;
  problems: string[];
}

/** One failover under load: returns what happened and what broke (problems: none when all holds). */
async function failoverRound(
  label: string,
  formation: Formation,
  primary: FormationNode,
  gateway: GatewayClient,
  crm: CrmClient,
  answers: Answer[],
): Promise<Round> {
  const problems: string[] = [];
  const adminUrl = formation.url(primary);
  phase(`round ${label}: campaigns`);
  // Campaigns, their sessions' groups synced first.
  const campaigns: { sessionId: string; campaignId: number; jids: string[] }[] = [];
  for (let c = 0; c < CAMPAIGNS; c++) {
    const sessionId = `fo_${label}_${c}`;
    const jids = Array.from({ length: GROUPS }, (_, i) => jidFrom(1_000_000 * (c + 1) + i + (label === "b" ? 500_000 : 0)));
    await withRetry(() => gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: `g ${id}` })) }), retry);
    const { campaignId } = await withRetry(
      () => crm.createCampaign({ name: `failover ${label} ${c}`, message: "m", sessionId, groupJids: jids }),
      retry,
    );
    campaigns.push({ sessionId, campaignId, jids });
  }
  const msgId = (c: number, i: number) => `fo${label}_${c}_${i}`;
  const all = campaigns.flatMap((_, c) => Array.from({ length: GROUPS }, (_, i) => ({ c, i })));
  const failing = shuffle([...all], random).slice(0, Math.floor(all.length * 0.5));
  const failingSet = new Set(failing);
  const delivered = shuffle(
    all.filter((t) => !failingSet.has(t)),
    random,
  ).slice(0, Math.floor(all.length * 0.3));
  const sendBatches: { c: number; i: number }[][] = [];
  for (let c = 0; c < CAMPAIGNS; c++) {
    const order = shuffle(
      Array.from({ length: GROUPS }, (_, i) => ({ c, i })),
      random,
    );
    for (let k = 0; k < order.length; k += 25) sendBatches.push(order.slice(k, k + 25));
  }

  const ackedOk = new Map<string, number>();
  const progressOk = new Set<string>();
  const sentOk = new Set<string>();
  let gaveUp = 0;
  let done = 0;
  const total = failing.length + delivered.length + sendBatches.length;
  const guard = async (fn: () => Promise<void>, counts = true) => {
    try {
      await fn();
    } catch (e) {
      gaveUp++;
      if (problems.length < 5) problems.push(`a client gave up: ${(e as Error).message}`);
    }
    if (counts) done++; // the syncs run throughout and are not part of the work
  };
  const acks = pool(failing, CLIENTS.acks, (t) =>
    guard(async () => {
      const ev: MessageErrorEvent = {
        event: "message_error",
        sessionId: campaigns[t.c]!.sessionId,
        messageId: msgId(t.c, t.i),
        groupJid: campaigns[t.c]!.jids[t.i]!,
        errorCode: 420,
      };
      await withRetry(() => gateway.recordMessageError(ev), retry);
      ackedOk.set(ev.messageId, (ackedOk.get(ev.messageId) ?? 0) + 1);
    }),
  );
  const progress = pool(delivered, CLIENTS.progress, (t) =>
    guard(async () => {
      await withRetry(
        () => gateway.recordMessageStatus({ sessionId: campaigns[t.c]!.sessionId, messageId: msgId(t.c, t.i), status: "delivered" }),
        retry,
      );
      progressOk.add(msgId(t.c, t.i));
    }),
  );
  const sends = pool(sendBatches, CLIENTS.sends, (batch) =>
    guard(async () => {
      const c = batch[0]!.c;
      await withRetry(
        () =>
          crm.recordMessageSent({
            campaignId: campaigns[c]!.campaignId,
            sends: batch.map((t) => ({ groupJid: campaigns[c]!.jids[t.i]!, messageId: msgId(c, t.i) })),
          }),
        retry,
      );
      for (const t of batch) sentOk.add(msgId(c, t.i));
    }),
  );
  // Two gateways re-syncing their own sessions the whole time (alternating payloads).
  let syncing = true;
  let syncs = 0;
  const lastSynced: number[] = [-1, -1];
  const syncPayloads = [0, 1].map((s) => {
    const jids = Array.from({ length: 300 }, (_, i) => jidFrom(9_000_000 + 1000 * s + i + (label === "b" ? 100_000 : 0)));
    return [jids.map((id) => ({ id, subject: "one" })), jids.slice(0, 250).map((id) => ({ id, subject: "two" }))];
  });
  const syncers = Promise.all(
    [0, 1].map(async (s) => {
      for (let n = 0; syncing; n++) {
        await guard(async () => {
          await withRetry(() => gateway.syncGroups({ sessionId: `fo_${label}_sync${s}`, groups: syncPayloads[s]![n % 2]! }), retry);
          lastSynced[s] = n % 2;
          syncs++;
        }, false);
        await sleep(200); // a gateway re-syncs now and then, not in a tight loop
      }
    }),
  );

  // The kill, once a third of the work is done.
  while (done < total / 3) await sleep(20);
  const [sync] = await withClient(adminUrl, async (c) => (await c.query("select current_setting('synchronous_standby_names') as s")).rows);
  if (!sync.s) problems.push("the primary was not replicating synchronously before the kill");
  const killedAt = Date.now();
  const { postmasterPid } = formation.kill(primary);
  phase(`round ${label}: killed ${primary.name} (postmaster ${postmasterPid}) with a third of the work done`);
  await Promise.all([acks, progress, sends]);
  syncing = false;
  await syncers;

  // The outage: from the kill to the first write that succeeded among those started after the
  // first failure (requests already running at the kill may still complete), and the answers
  // that failed and were retried meanwhile.
  const after = answers.filter((a) => a.t > killedAt);
  const firstFailure = after.find(failed);
  const firstWrite = firstFailure
    ? after.find((a) => a.write && a.started >= firstFailure.t && a.status >= 200 && a.status < 300)
    : undefined;
  const failedAnswersRetried = after.filter(failed).length;

  // Who is primary now.
  const states = await formation.states();
  const promoted = formation.nodes.find((n) => n !== primary && ["primary", "wait_primary"].includes(states[n.name]?.[0] ?? ""));
  if (!promoted) problems.push(`the standby was not promoted: ${JSON.stringify(states)}`);
  const url = formation.url(promoted ?? primary);
  await withClient(url, async (db) => {
    const q = async (sql: string, p: unknown[] = []) => (await db.query(sql, p)).rows;
    // Every ACK answered 2xx is in the inbox (retries may add a duplicate, never lose one).
    const inbox = new Map(
      (
        await q(
          `select message_id, count(*)::int as n from wa_data.message_error_inbox
      where message_id like $1 group by 1`,
          [`fo${label}_%`],
        )
      ).map((r) => [r.message_id as string, r.n as number]),
    );
    const lostAcks = [...ackedOk].filter(([m, n]) => (inbox.get(m) ?? 0) < n).length;
    if (lostAcks) problems.push(`${lostAcks} ACKs answered 2xx are missing`);
    // Every send answered 2xx is on its row; every ACKed message failed, the rest are sent.
    const rows = await q(
      `select r.message_id, r.status, r.delivered_at is not null as delivered from wa_data.notification_campaign_groups r
      where r.campaign_id = any($1)`,
      [campaigns.map((c) => c.campaignId)],
    );
    const byId = new Map(rows.map((r) => [r.message_id as string, r]));
    const lostSends = [...sentOk].filter((m) => !byId.has(m)).length;
    if (lostSends) problems.push(`${lostSends} sends answered 2xx are missing`);
    const wrong = failing.filter((t) => byId.get(msgId(t.c, t.i))?.status !== "failed").length;
    if (wrong) problems.push(`${wrong} ACKed messages are not failed`);
    const undelivered = [...progressOk].filter((m) => byId.get(m) && !byId.get(m).delivered).length;
    if (undelivered) problems.push(`${undelivered} delivery reports answered 2xx are not on their rows`);
    // Totals equal rows.
    for (const t of await q(
      `select c.id, c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.delivered_count,
        (select count(*) from wa_data.notification_campaign_groups g where g.campaign_id = c.id)::int as rows,
        (select count(*) from wa_data.notification_campaign_groups g where g.campaign_id = c.id and g.status = 'sent')::int as sent,
        (select count(*) from wa_data.notification_campaign_groups g where g.campaign_id = c.id and g.status = 'failed')::int as failed,
        (select count(*) from wa_data.notification_campaign_groups g where g.campaign_id = c.id and g.delivered_at is not null)::int as delivered
      from wa_data.notification_campaigns c where c.id = any($1)`,
      [campaigns.map((c) => c.campaignId)],
    )) {
      if (
        t.total_groups !== t.rows ||
        t.sent_count !== t.sent ||
        t.failed_count !== t.failed ||
        t.delivered_count !== t.delivered ||
        t.pending_count !== 0
      )
        problems.push(`campaign ${t.id}: totals ${JSON.stringify(t)}`);
    }
    // Each re-synced session is exactly its last successful payload.
    for (const s of [0, 1]) {
      const active = (
        await q(`select count(*)::int as n from wa_data.whatsapp_groups where session_id = $1 and inactive_since is null`, [
          `fo_${label}_sync${s}`,
        ])
      )[0].n;
      if (lastSynced[s]! >= 0 && active !== syncPayloads[s]![lastSynced[s]!]!.length)
        problems.push(`sync session ${s}: ${active} active groups`);
    }
  });
  if (!firstFailure) problems.push("no request failed after the kill: the kill did not take");
  return {
    killed: primary.name,
    promoted: promoted?.name,
    msToFirstWrite: firstWrite ? firstWrite.t - killedAt : undefined,
    failedAnswersRetried,
    answers2xx: after.filter((a) => a.status >= 200 && a.status < 300).length,
    gaveUp,
    acksRecorded: ackedOk.size,
    sendsRecorded: sentOk.size,
    syncs,
    problems,
  };
}

const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
ensureAutoFailover(basename(dirname(binDir)));
const dir = mkdtempSync(join(tmpdir(), "wa-failover-"));
let formation: Formation | undefined;
let api: Awaited<ReturnType<typeof startPostgrest>> | undefined;
let ok = false;
try {
  phase("creating the formation (monitor, primary, standby)");
  formation = await createFormation(dir, binDir);
  const first = await formation.waitHealthy();
  phase(`formation healthy: ${first.primary.name} primary, ${first.secondary.name} synchronous standby`);
  await migrate(formation.url(first.primary), { quiet: true });
  api = await startPostgrest({
    dbUri: formation.multiHostUri("authenticator"),
    jwtSecret: randomSecret(),
    port: await freePort(),
    poolSize: 20,
    logLevel: "crit",
  });
  const answers: Answer[] = [];
  const keys = {
    gateway: (await createApiKey(formation.url(first.primary), "gateway", "failover-gateway")).key,
    crm: (await createApiKey(formation.url(first.primary), "crm", "failover-crm")).key,
  };
  const gateway = createGatewayClient({ url: api.url, apiKey: keys.gateway, fetch: observingFetch(answers) });
  const crm = createCrmClient({ url: api.url, apiKey: keys.crm, fetch: observingFetch(answers) });

  const rounds: Round[] = [];
  phase(`load from 16 clients; killing ${first.primary.name}`);
  rounds.push(await failoverRound("a", formation, first.primary, gateway, crm, answers));
  phase(`round a done: ${JSON.stringify(rounds[0])}`);
  // The old primary comes back as the standby, then the new primary is lost.
  formation.startKeeper(first.primary);
  const second = await formation.waitHealthy();
  phase(`${second.secondary.name} is back as the synchronous standby; killing ${second.primary.name}`);
  rounds.push(await failoverRound("b", formation, second.primary, gateway, crm, answers));
  phase("round b done");
  ok = rounds.every((r) => r.problems.length === 0 && r.gaveUp === 0 && r.promoted !== undefined && r.msToFirstWrite !== undefined);
  console.log("FAILOVER REPORT " + JSON.stringify({ ok, clients: 16, campaigns: CAMPAIGNS, groups: GROUPS, rounds }, null, 2));
} catch (e) {
  console.error(e);
} finally {
  await api?.stop();
  await formation?.stop();
  if (ok) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir} (pg_autoctl logs) for a look`);
}
process.exit(ok ? 0 : 1);
