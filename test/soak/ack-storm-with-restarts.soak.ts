// npm run test:soak — ≥ 10,000 error ACKs from 16 clients over 8 campaigns, with ~20% duplicates,
// ~10% arriving before their send record, send records and a group re-sync running at the same
// time, and PostgreSQL restarted twice under load (fast, then immediate shutdown). Afterwards:
// every ACK answered 2xx is in the inbox, totals equal row counts, the re-sync is whole, no deadlock.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, withRetry, type MessageErrorEvent } from "../../clients/ts/src/index.js";
import { asPostgresUser } from "../../scripts/lib/run.js";
import { db, newKey } from "../support/env.js";
import { baileysGroup, campaignTotals, groupJid, uniqueSession } from "../support/fixtures.js";
import { apiUrl } from "../support/env.js";
import { seededRandom, shuffle as shuffleWith } from "../support/random.js";

const CAMPAIGNS = 8;
const GROUPS = 1500;
const CLIENTS = 16;
const retry = { retries: 30, baseDelayMs: 50, maxDelayMs: 1000 };

db.on("error", () => {}); // idle connections die with the restarts; the pool replaces them
afterAll(() => db.end());

const pg = {
  bin: process.env.WA_PG_BINDIR,
  data: process.env.WA_PG_DATADIR,
};
function restartPostgres(mode: "fast" | "immediate") {
  if (!pg.bin || !pg.data)
    throw new Error("the soak needs the project's own cluster (run it with npm run test:soak, without DATABASE_URL)");
  // -l: the restarted server must not inherit pg_ctl's pipes, or spawnSync waits for ever.
  const [cmd, args] = asPostgresUser(join(pg.bin, "pg_ctl"), [
    "-D",
    pg.data,
    "-l",
    join(pg.data, "server.log"),
    "-m",
    mode,
    "-w",
    "-t",
    "60",
    "restart",
  ]);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 90_000 });
  if (r.status !== 0) throw new Error(`pg_ctl restart failed: ${r.stdout}${r.stderr}`);
}

const random = seededRandom();
const shuffle = <T>(a: T[]): T[] => shuffleWith(a, random);

describe("soak: ACK storm with PostgreSQL restarts", () => {
  it("loses nothing and keeps every invariant", async () => {
    // Every HTTP answer, timestamped, to tell the fault windows apart.
    const answers: { t: number; status: number }[] = [];
    let connectionLost = 0; // PostgREST's 400 {"code": ""} when its connection breaks mid-request
    const observing: typeof fetch = async (input, init) => {
      try {
        const res = await fetch(input, init);
        answers.push({ t: Date.now(), status: res.status });
        if (res.status === 400 && (await res.clone().text()).includes('"code":""')) connectionLost++;
        return res;
      } catch (e) {
        answers.push({ t: Date.now(), status: 0 });
        throw e;
      }
    };
    const gateway = createGatewayClient({ url: apiUrl, apiKey: await newKey("gateway"), fetch: observing });
    const crm = createCrmClient({ url: apiUrl, apiKey: await newKey("crm"), fetch: observing });

    // Eight campaigns of 1,500 groups.
    const campaigns: { sessionId: string; campaignId: number; jids: string[] }[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const sessionId = uniqueSession("soak");
      const jids = Array.from({ length: GROUPS }, () => groupJid());
      await gateway.syncGroups({ sessionId, groups: jids.map((id) => baileysGroup(id)) });
      const { campaignId } = await crm.createCampaign({ name: `soak ${c}`, message: "hi", sessionId, groupJids: jids });
      campaigns.push({ sessionId, campaignId, jids });
    }
    type Target = { c: number; i: number };
    const msgId = (t: Target) => `${campaigns[t.c]!.sessionId}_${t.i}`;
    const all: Target[] = campaigns.flatMap((_, c) => Array.from({ length: GROUPS }, (_, i) => ({ c, i })));
    const failing = shuffle([...all]).slice(0, Math.floor(all.length * 0.8));
    const deliveries = shuffle([...failing, ...failing.slice(0, Math.floor(failing.length * 0.2))]);
    const earlyCount = Math.floor(deliveries.length * 0.1);
    expect(deliveries.length).toBeGreaterThanOrEqual(10_000);

    const delivered = new Map<string, number>(); // message id → ACKs answered 2xx
    let gaveUp = 0;
    const gaveUpWith: string[] = [];
    const ack = async (t: Target) => {
      const ev: MessageErrorEvent = {
        event: "message_error",
        sessionId: campaigns[t.c]!.sessionId,
        messageId: msgId(t),
        groupJid: campaigns[t.c]!.jids[t.i]!,
        errorCode: t.i % 2 ? 420 : "463",
        errorMessage: "rejected",
      };
      try {
        await withRetry(() => gateway.recordMessageError(ev), retry);
        delivered.set(ev.messageId, (delivered.get(ev.messageId) ?? 0) + 1);
      } catch (e) {
        gaveUp++;
        const be = e as { status?: number; code?: string; message?: string };
        if (gaveUpWith.length < 5) gaveUpWith.push(`${be.status} ${be.code} ${be.message}`);
      }
    };
    const pool = async <T>(items: T[], workers: number, fn: (x: T) => Promise<void>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < items.length) await fn(items[next++]!);
        }),
      );
    };

    // 10% of the ACKs first: their send records come last.
    const early = deliveries.slice(0, earlyCount);
    await pool(early, CLIENTS, ack);
    const earlySet = new Set(early.map(msgId));

    // Then, all at once: the remaining ACKs, send records, a re-syncing session, and two restarts.
    const sendBatches: Target[][] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const order = shuffle(Array.from({ length: GROUPS }, (_, i) => ({ c, i }))).sort(
        (a, b) => Number(earlySet.has(msgId(a))) - Number(earlySet.has(msgId(b))),
      );
      for (let k = 0; k < order.length; k += 250) sendBatches.push(order.slice(k, k + 250));
    }
    const sends = pool(sendBatches, 4, async (batch) => {
      const c = batch[0]!.c;
      await withRetry(
        () =>
          crm.recordMessageSent({
            campaignId: campaigns[c]!.campaignId,
            sends: batch.map((t) => ({ groupJid: campaigns[t.c]!.jids[t.i]!, messageId: msgId(t) })),
          }),
        retry,
      );
    });

    const resyncSession = uniqueSession("resync");
    const resyncJids = Array.from({ length: 3000 }, () => groupJid());
    const payloads = [
      resyncJids.map((id) => baileysGroup(id)),
      resyncJids.slice(0, 2700).map((id, k) => baileysGroup(id, k % 10 === 0 ? { subject: `renamed ${id}` } : {})),
    ];
    let lastSynced = -1;
    let resyncing = true;
    const resync = (async () => {
      for (let n = 0; resyncing; n++) {
        await withRetry(() => gateway.syncGroups({ sessionId: resyncSession, groups: payloads[n % 2]! }), retry);
        lastSynced = n % 2;
      }
    })();

    const rest = deliveries.slice(earlyCount);
    const faults: { mode: string; startedAt: number; recoveredMs?: number }[] = [];
    let done = 0;
    const restarts = (async () => {
      for (const [fraction, mode] of [
        [0.3, "fast"],
        [0.65, "immediate"],
      ] as const) {
        while (done < rest.length * fraction) await new Promise((r) => setTimeout(r, 50));
        const startedAt = Date.now();
        restartPostgres(mode);
        faults.push({ mode, startedAt });
      }
    })();
    await pool(rest, CLIENTS, async (t) => {
      await ack(t);
      done++;
    });
    await Promise.all([sends, restarts]);
    resyncing = false;
    await resync;

    // Recovery: from the restart command to the first 2xx answer after it.
    for (const f of faults) {
      const firstOk = answers.find((a) => a.t > f.startedAt && a.status >= 200 && a.status < 300);
      f.recoveredMs = firstOk ? firstOk.t - f.startedAt : undefined;
    }
    const inFault = (t: number) => faults.some((f) => t >= f.startedAt && t <= f.startedAt + (f.recoveredMs ?? 0) + 1000);
    const fiveXxOutsideFaults = answers.filter((a) => (a.status >= 500 || a.status === 0) && !inFault(a.t)).length;
    const retried = answers.filter((a) => a.status >= 500 || a.status === 0).length + connectionLost;

    // Nothing answered 2xx is missing from the inbox.
    const { rows } = await db.query(
      `select message_id, count(*)::int as n from message_error_inbox where session_id like 'soak_%' group by 1`,
    );
    const inbox = new Map(rows.map((r) => [r.message_id as string, r.n as number]));
    const missing = [...delivered].filter(([m, n]) => (inbox.get(m) ?? 0) < n);
    const extra = [...delivered].reduce((s, [m, n]) => s + Math.max(0, (inbox.get(m) ?? 0) - n), 0);

    // Totals equal row counts; every failing message failed, the rest are sent.
    const totals = await Promise.all(campaigns.map((c) => campaignTotals(c.campaignId)));
    const failedRows = await db.query(
      `select count(*)::int as n from notification_campaign_groups where campaign_id = any($1) and status = 'failed'`,
      [campaigns.map((c) => c.campaignId)],
    );

    // The re-synced session is exactly its last successful payload: no sync half-applied.
    const active = await db.query(
      `select group_jid, name from whatsapp_groups where session_id = $1 and inactive_since is null order by 1`,
      [resyncSession],
    );
    const expectedActive = payloads[lastSynced]!.map((g) => [g.id, g.subject]).sort();

    const log = readFileSync(join(pg.data!, "server.log"), "utf8");
    const report = {
      ackDeliveries: deliveries.length,
      uniqueFailingMessages: failing.length,
      earlyAcks: earlyCount,
      clients: CLIENTS,
      campaigns: CAMPAIGNS,
      delivered2xx: [...delivered.values()].reduce((a, b) => a + b, 0),
      gaveUp,
      missing: missing.length,
      extraInboxRowsFromRetries: extra,
      retriedAnswers: retried,
      fiveXxOutsideFaults,
      faults: faults.map((f) => ({ mode: f.mode, recoveredMs: f.recoveredMs })),
      deadlocks: (log.match(/deadlock detected/g) ?? []).length,
      gaveUpWith,
      connectionLost,
    };
    console.log("SOAK REPORT " + JSON.stringify(report));

    expect(gaveUp).toBe(0);
    expect(missing).toEqual([]);
    expect(extra).toBeLessThanOrEqual(retried);
    expect(fiveXxOutsideFaults).toBe(0);
    for (const t of totals) {
      expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([t.rows, t.pending_rows, t.sent_rows, t.failed_rows]);
      expect(t.pending_count).toBe(0);
    }
    expect(failedRows.rows[0].n).toBe(failing.length);
    expect(active.rows.map((r) => [r.group_jid, r.name])).toEqual(expectedActive);
    expect(report.deadlocks).toBe(0);
    expect(faults.every((f) => f.recoveredMs !== undefined)).toBe(true);
  });
});
