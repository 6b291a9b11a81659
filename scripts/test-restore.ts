// npm run test:restore — the backup and point-in-time-recovery drill, with the procedure of
// docs/operations.md ("Backups"): a durable cluster of its own with WAL archiving into a pgBackRest
// repository (scripts/lib/pgbackrest.ts, as `npm run backup -- setup` does), gateway and CRM
// clients (the project's own client, through PostgREST) writing the whole time; a full backup
// taken under that traffic; more writes; a moment T noted; more writes. Then the backup is
// restored to T into a new cluster (as `npm run backup -- restore` does) and checked: every
// request answered 2xx before T is there, none started after T is, every campaign's totals equal
// its rows. Prints a JSON report with the figures; exits 1 on any broken promise. Installs
// pgBackRest as root (like npm start installs PostgreSQL). Not part of npm test or CI.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendError, createCrmClient, createGatewayClient } from "../clients/ts/src/index.js";
import { jidFrom } from "../test/support/jids.js";
import { createApiKey } from "./lib/api-keys.js";
import { withClient } from "./lib/db.js";
import { migrate } from "./lib/migrate.js";
import { configureArchiving, directoryBytes, pgbackrest, restoreToTime, takeBackup, targetTime } from "./lib/pgbackrest.js";
import { ensurePrerequisites, localCluster, startCluster, stopCluster, type Cluster } from "./lib/postgres.js";
import { startPostgrest, type RunningPostgrest } from "./lib/postgrest.js";
import { freePort, sleep } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";

/** Seconds of traffic: before the backup, after it, and after T. */
const PHASES = { warmUp: 2, afterBackup: 3, afterT: 3 };
const GROUPS_PER_SESSION = 10;

type Kind = "sync_groups" | "create_campaign" | "record_message_sent" | "record_message_error" | "record_message_status";
/** One request: when it started and was answered, whether 2xx, and what it wrote (the keys to look for). */
interface Request {
  kind: Kind;
  started: number;
  ended: number;
  ok: boolean;
  keys: string[];
  error?: string;
}

const t0 = Date.now();
const phase = (what: string) => console.log(`[restore +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);

/** The gateway and the CRM at work until stop(): syncs, campaigns, sends, error ACKs, delivery reports. */
function traffic(url: string, keys: { gateway: string; crm: string }) {
  const gateway = createGatewayClient({ url, apiKey: keys.gateway });
  const crm = createCrmClient({ url, apiKey: keys.crm });
  const requests: Request[] = [];
  let running = true;
  const track = async <T>(kind: Kind, keys: string[], call: () => Promise<T>, keysOf?: (r: T) => string[]) => {
    const started = Date.now();
    try {
      const r = await call();
      requests.push({ kind, started, ended: Date.now(), ok: true, keys: keysOf ? keysOf(r) : keys });
      return r;
    } catch (e) {
      const error = e instanceof BackendError ? `${e.status} ${e.code}` : String(e);
      requests.push({ kind, started, ended: Date.now(), ok: false, keys, error });
      return undefined;
    }
  };
  const synced: { sessionId: string; jids: string[] }[] = [];
  const sent: { sessionId: string; messageId: string; jid: string }[] = [];
  let n = 0;

  const syncer = async () => {
    while (running) {
      const k = n++;
      const sessionId = `restore_${k}`;
      const jids = Array.from({ length: GROUPS_PER_SESSION }, (_, i) => jidFrom(1_000_000 + k * GROUPS_PER_SESSION + i));
      const r = await track("sync_groups", jids, () =>
        gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: `g ${id}` })) }),
      );
      if (r) synced.push({ sessionId, jids });
      await sleep(20);
    }
  };
  const campaigner = async () => {
    while (running) {
      const s = synced.shift();
      if (!s) {
        await sleep(10);
        continue;
      }
      const r = await track(
        "create_campaign",
        [],
        () => crm.createCampaign({ name: s.sessionId, message: "m", sessionId: s.sessionId, groupJids: s.jids }),
        (r) => [String(r.campaignId)],
      );
      if (!r) continue;
      for (let b = 0; b < s.jids.length && running; b += 5) {
        const sends = s.jids.slice(b, b + 5).map((jid, i) => ({ groupJid: jid, messageId: `m_${r.campaignId}_${b + i}` }));
        const ok = await track(
          "record_message_sent",
          sends.map((x) => x.messageId),
          () => crm.recordMessageSent({ campaignId: r.campaignId, sends }),
        );
        if (ok) sent.push(...sends.map((x) => ({ sessionId: s.sessionId, messageId: x.messageId, jid: x.groupJid })));
      }
    }
  };
  // Error ACKs for some sent messages, delivery reports for others.
  const reporter = (kind: "record_message_error" | "record_message_status") => async () => {
    while (running) {
      const m = sent.shift();
      if (!m) {
        await sleep(10);
        continue;
      }
      if (kind === "record_message_error") {
        await track(kind, [m.messageId], () =>
          gateway.recordMessageError({
            event: "message_error",
            sessionId: m.sessionId,
            messageId: m.messageId,
            groupJid: m.jid,
            errorCode: 420,
          }),
        );
      } else {
        await track(kind, [m.messageId], () =>
          gateway.recordMessageStatus({ sessionId: m.sessionId, messageId: m.messageId, status: "delivered" }),
        );
      }
    }
  };
  const workers = [syncer, campaigner, campaigner, reporter("record_message_error"), reporter("record_message_status")].map((w) => w());
  return {
    requests,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Of `keys`, those the restored database holds, per kind of request. */
async function present(url: string, kind: Kind, keys: string[]): Promise<Set<string>> {
  const sql: Record<Kind, string> = {
    sync_groups: "select group_jid as k from wa_data.whatsapp_groups where group_jid = any($1)",
    create_campaign: "select id::text as k from wa_data.notification_campaigns where id::text = any($1)",
    record_message_sent: "select message_id as k from wa_data.notification_campaign_groups where message_id = any($1)",
    record_message_error: "select distinct message_id as k from wa_data.message_error_inbox where message_id = any($1)",
    record_message_status: "select message_id as k from wa_data.message_status_inbox where message_id = any($1)",
  };
  return withClient(url, async (c) => new Set((await c.query<{ k: string }>(sql[kind], [keys])).rows.map((r) => r.k)));
}

/** Campaigns whose totals disagree with their rows. */
const totalsDisagreeing = (url: string) =>
  withClient(url, async (c) =>
    (
      await c.query(`
  select c.id from wa_data.notification_campaigns c
  cross join lateral (select count(*)::int as total,
      count(*) filter (where g.status = 'pending')::int as pending, count(*) filter (where g.status = 'sent')::int as sent,
      count(*) filter (where g.status = 'failed')::int as failed, count(*) filter (where g.status = 'cancelled')::int as cancelled,
      count(*) filter (where g.delivered_at is not null)::int as delivered
    from wa_data.notification_campaign_groups g where g.campaign_id = c.id) r
  where (c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.cancelled_count, c.delivered_count)
     is distinct from (r.total, r.pending, r.sent, r.failed, r.cancelled, r.delivered)`)
    ).rows.map((r) => r.id as string),
  );

const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
const dir = mkdtempSync(join(tmpdir(), "wa-restore-"));
const source = localCluster(join(dir, "pg"), join(dir, "run"), await freePort());
const restored = localCluster(join(dir, "restored"), join(dir, "restored-run"), await freePort());
let api: RunningPostgrest | undefined;
const problems: string[] = [];
let report: Record<string, unknown> = {};
try {
  phase("a durable cluster with WAL archiving into a pgBackRest repository");
  startCluster(binDir, source);
  const repo = await configureArchiving(binDir, source, join(dir, "backup"));
  await migrate(source.url("app"), { quiet: true });
  api = await startPostgrest({
    dbUri: source.urlAs("authenticator", "app"),
    jwtSecret: randomSecret(),
    port: await freePort(),
    logLevel: "crit",
  });
  const keys = {
    gateway: (await createApiKey(source.url("app"), "gateway", "restore-gateway")).key,
    crm: (await createApiKey(source.url("app"), "crm", "restore-crm")).key,
  };

  phase("gateway and CRM traffic through PostgREST");
  const load = traffic(api.url, keys);
  await sleep(PHASES.warmUp * 1000);
  phase("full backup under traffic");
  const backup = takeBackup(repo, "full");
  phase(`backup ${backup.label} done in ${backup.seconds.toFixed(1)} s; writing on`);
  await sleep(PHASES.afterBackup * 1000);
  const T = Date.now();
  phase(`T = ${targetTime(T)}; writing on`);
  await sleep(PHASES.afterT * 1000);
  await load.stop();
  phase(`traffic stopped: ${load.requests.length} requests`);
  // The WAL past T reaches the repository (check switches the segment and waits for its archive).
  pgbackrest(repo, "check");

  phase(`restoring to T into a new cluster`);
  const restoreStarted = Date.now();
  await restoreToTime(binDir, repo, restored, targetTime(T));
  const restoreSeconds = (Date.now() - restoreStarted) / 1000;
  phase(`restored and promoted in ${restoreSeconds.toFixed(1)} s; checking`);

  const url = restored.url("app");
  const before = load.requests.filter((r) => r.ok && r.ended < T);
  const after = load.requests.filter((r) => r.ok && r.started > T);
  const failed = load.requests.filter((r) => !r.ok);
  if (failed.length)
    problems.push(
      `${failed.length} requests failed during the drill: ${failed
        .slice(0, 3)
        .map((r) => `${r.kind} ${r.error}`)
        .join("; ")}`,
    );
  const kinds = [...new Set(load.requests.map((r) => r.kind))] as Kind[];
  const byKind: Record<string, { before: number; after: number; inFlightAtT: number }> = {};
  for (const kind of kinds) {
    const b = before.filter((r) => r.kind === kind);
    const a = after.filter((r) => r.kind === kind);
    const found = await present(
      url,
      kind,
      [...b, ...a].flatMap((r) => r.keys),
    );
    const missing = b.filter((r) => !r.keys.every((k) => found.has(k)));
    const resurrected = a.filter((r) => r.keys.some((k) => found.has(k)));
    if (missing.length) problems.push(`${missing.length} ${kind} answered 2xx before T are missing (e.g. ${missing[0]!.keys[0]})`);
    if (resurrected.length) problems.push(`${resurrected.length} ${kind} started after T are there (e.g. ${resurrected[0]!.keys[0]})`);
    if (!b.length || !a.length) problems.push(`no ${kind} on both sides of T: the drill proves nothing for it`);
    byKind[kind] = {
      before: b.length,
      after: a.length,
      inFlightAtT: load.requests.filter((r) => r.ok && r.started <= T && r.ended >= T && r.kind === kind).length,
    };
  }
  const disagreeing = await totalsDisagreeing(url);
  if (disagreeing.length) problems.push(`campaigns whose totals disagree with their rows: ${disagreeing.join(", ")}`);
  const campaigns = await withClient(
    url,
    async (c) => (await c.query("select count(*)::int as n from wa_data.notification_campaigns")).rows[0].n,
  );

  report = {
    ok: problems.length === 0,
    T: targetTime(T),
    backup: {
      type: backup.type,
      seconds: backup.seconds,
      databaseMiB: +(backup.databaseBytes / 2 ** 20).toFixed(1),
      addedToRepositoryMiB: +(backup.repoBytes / 2 ** 20).toFixed(1),
    },
    repositoryMiB: +(directoryBytes(join(repo.dir, "repo")) / 2 ** 20).toFixed(1),
    restore: { seconds: restoreSeconds },
    requests: {
      total: load.requests.length,
      answered2xxBeforeT: before.length,
      startedAfterT: after.length,
      inFlightAtT: load.requests.length - before.length - after.length - failed.length,
      failed: failed.length,
      byKind,
    },
    restoredCampaigns: campaigns,
    problems,
  };
} catch (e) {
  problems.push(String((e as Error).stack ?? e));
} finally {
  await api?.stop();
  for (const c of [restored, source] as Cluster[]) {
    try {
      stopCluster(binDir, c, "immediate");
    } catch {
      /* never started */
    }
  }
}
console.log("RESTORE REPORT " + JSON.stringify({ ...report, ok: problems.length === 0, problems }, null, 2));
if (problems.length === 0) rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir} (clusters, pgBackRest logs) for a look`);
process.exit(problems.length === 0 ? 0 : 1);
