// Concurrent gateway/CRM traffic through PostgREST with the project's own client, and the checks
// that nothing answered 2xx was lost (npm run test:citus: 16 clients on a Citus coordinator, and
// again while a third worker takes shards; the same driver runs against single-node PostgreSQL).
//
// Each client is one gateway with two sessions of its own. It syncs both (a community parent,
// never stored, and its announcement group among ordinary groups), then, round after round,
// creates a campaign in each session, records the sends in shuffled batches, and posts error ACKs
// for part of them, single and in batches over both sessions: some before their send (early),
// some twice (duplicates), all in shuffled order (out of order), interleaved with the send
// batches; and delivery progress for part of the rest (some early too). Every call goes through
// the client library's retry policy (withRetry: network errors and 5xx, never a 4xx), as a real
// gateway would; every answer is observed (scripts/lib/observed-fetch.ts) and every 2xx remembered.
// The check then reads the database: every campaign's totals equal its rows, nothing pending,
// every ACK answered 2xx is in the inbox as often as it was answered, every send answered 2xx is
// on its row, every ACKed message failed and only those, every delivery answered 2xx is on its row;
// no 5xx but the documented retryable ones (docs/errors.md), none given up.
import {
  createCrmClient,
  createGatewayClient,
  withRetry,
  type MessageErrorEvent,
  type MessageStatusEvent,
  type RetryOptions,
} from "../../clients/ts/src/index.js";
import { jidFrom } from "../../test/support/jids.js";
import { seededRandom, shuffle } from "../../test/support/random.js";
import { withClient } from "./db.js";
import { failed, notOkByCode, observingFetch, type Answer } from "./observed-fetch.js";

/** 5xx answers docs/errors.md documents as "retry with back-off" (and no answer at all). */
export const RETRYABLE_CODES = new Set(["PGRST000", "PGRST001", "PGRST002", "PGRST003", "53200", "network_error", "connection_lost"]);

export interface TrafficOptions {
  apiUrl: string;
  /** An admin connection to the same database (the checks read the tables). */
  adminUrl: string;
  gatewayKey: string;
  crmKey: string;
  /** Two sessions per client, in client order (client k has sessions[2k] and sessions[2k + 1]). */
  sessions: string[];
  /** Names this run's message ids and campaigns (unique per run). */
  label: string;
  /** Rounds every client makes at least; more while keepGoing() says so (a rebalance running). */
  rounds: number;
  keepGoing?: () => boolean;
  /** Groups per session (one of them the announcement group). */
  groups?: number;
  /** A number no other traffic's JIDs start from (JIDs are jidFrom(jidBase + …)). */
  jidBase: number;
  retry?: RetryOptions;
  seed?: number;
  /** Where every answer is observed (the caller's, to look at a time window), else a new list. */
  answers?: Answer[];
}

export interface TrafficResult {
  clients: number;
  sessions: number;
  rounds: number;
  campaigns: number;
  events: { sends: number; acks: number; acksEarly: number; acksDuplicated: number; progress: number; total: number };
  /** How the ACKs were posted: one per request, or in batches (of those, how many named both sessions). */
  ackPosts: { single: number; batches: number; batchesOverTwoSessions: number };
  requests: number;
  answers2xx: number;
  /** Answers that were not 2xx, by status and code (every one retried by the client's policy). */
  failedAnswers: Record<string, number>;
  /** Of those, 5xx (or no answer) that docs/errors.md does not document as retryable. */
  undocumented5xx: number;
  retries: number;
  gaveUp: number;
  outcomes: Record<string, number>;
  lost: { acks: number; sends: number; progress: number };
  wrongRows: number;
  totalsWrong: number;
  seconds: number;
  eventsPerSecond: number;
  problems: string[];
}

const key = (session: string, messageId: string) => `${session}\u0000${messageId}`;

/** How many of the answered (key → times answered) are missing from what is stored (key → rows). */
export function missing(answered: Map<string, number>, stored: Map<string, number>): number {
  let n = 0;
  for (const [k, times] of answered) if ((stored.get(k) ?? 0) < times) n++;
  return n;
}

export async function runTraffic(o: TrafficOptions): Promise<TrafficResult> {
  const clients = o.sessions.length / 2;
  const groups = o.groups ?? 25;
  const random = seededRandom(o.seed ?? 20261201);
  const retry = o.retry ?? { retries: 8, baseDelayMs: 100, maxDelayMs: 2000 };
  const answers: Answer[] = o.answers ?? [];
  const gateway = createGatewayClient({ url: o.apiUrl, apiKey: o.gatewayKey, fetch: observingFetch(answers) });
  const crm = createCrmClient({ url: o.apiUrl, apiKey: o.crmKey, fetch: observingFetch(answers), retry });
  const problems: string[] = [];
  const seen = new Map<string, number>();
  /** Each distinct problem once (how many times it happened is in the counts). */
  const problem = (p: string) => {
    seen.set(p, (seen.get(p) ?? 0) + 1);
    if (seen.get(p) === 1 && problems.length < 10) problems.push(p);
  };

  // What was answered 2xx (session + message id → times).
  const ackedOk = new Map<string, number>();
  const sentOk = new Map<string, number>(); // → campaign id
  const progressOk = new Set<string>();
  const campaignIds: number[] = [];
  const outcomes: Record<string, number> = {};
  const expectFailed = new Set<string>();
  const expectDelivered = new Set<string>();
  const events = { sends: 0, acks: 0, acksEarly: 0, acksDuplicated: 0, progress: 0, total: 0 };
  let gaveUp = 0;
  let roundsDone = 0;

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withRetry(fn, retry);
    } catch (e) {
      gaveUp++;
      const err = e as { code?: string; status?: number; message?: string };
      problem(`${what}: gave up or refused: ${err.status ?? ""} ${err.code ?? ""} ${err.message ?? e}`);
      return undefined;
    }
  };
  const ackPosts = { single: 0, batches: 0, batchesOverTwoSessions: 0 };
  const postAcks = async (batch: MessageErrorEvent[], single: boolean) => {
    if (single) ackPosts.single++;
    else {
      ackPosts.batches++;
      if (new Set(batch.map((e) => e.sessionId)).size > 1) ackPosts.batchesOverTwoSessions++;
    }
    const r = await call("error ACKs", () => gateway.recordMessageError(single ? batch[0]! : batch));
    if (!r) return;
    for (const res of r.results) outcomes[res.outcome] = (outcomes[res.outcome] ?? 0) + 1;
    for (const [i, ev] of batch.entries()) {
      const outcome = r.results[i]?.outcome;
      if (outcome === "quarantined") problem(`an ACK was quarantined: ${JSON.stringify(r.results[i])}`);
      else {
        const k = key(ev.sessionId!, ev.messageId);
        ackedOk.set(k, (ackedOk.get(k) ?? 0) + 1);
      }
    }
  };
  const postProgress = async (batch: MessageStatusEvent[]) => {
    const r = await call("progress", () => gateway.recordMessageStatus(batch));
    if (r) for (const ev of batch) progressOk.add(key(ev.sessionId!, ev.messageId));
  };

  const client = async (k: number) => {
    const mine = [o.sessions[2 * k]!, o.sessions[2 * k + 1]!];
    const jids = mine.map((_, s) => Array.from({ length: groups + 1 }, (_, i) => jidFrom(o.jidBase + (2 * k + s) * 1000 + i)));
    // The sync: a community parent (never stored), its announcement group (a target), ordinary groups.
    for (const [s, sessionId] of mine.entries()) {
      const [parent, announce, ...ordinary] = jids[s]!;
      const synced = await call("sync_groups", () =>
        gateway.syncGroups({
          sessionId,
          groups: [
            { id: parent!, subject: "community", isCommunity: true },
            { id: announce!, subject: "community", isCommunityAnnounce: true, linkedParent: parent },
            ...ordinary.map((id) => ({ id, subject: `g ${id}`, size: 5 })),
          ],
        }),
      );
      if (!synced) return; // a gateway without its groups has nothing to send (counted as given up)
    }
    const targets = jids.map((j) => j.slice(1)); // all but the parent
    for (let round = 0; round < o.rounds || o.keepGoing?.(); round++) {
      // One campaign per session.
      const campaigns: { sessionId: string; campaignId: number; ids: string[]; jids: string[] }[] = [];
      for (const [s, sessionId] of mine.entries()) {
        const created = await call("create_campaign", () =>
          crm.createCampaign({ name: `${o.label} c${k} r${round} s${s}`, message: "m", sessionId, groupJids: targets[s]! }),
        );
        if (!created) continue;
        campaignIds.push(created.campaignId);
        const ids = targets[s]!.map((_, i) => `${o.label}K${k}R${round}S${s}X${i}`.toUpperCase());
        campaigns.push({ sessionId, campaignId: created.campaignId, ids, jids: targets[s]! });
      }
      if (campaigns.length === 0) return; // nothing to send: stop rather than spin
      // Which messages fail (an error ACK) and which are delivered (progress): never both.
      const acks: MessageErrorEvent[] = [];
      const progress: MessageStatusEvent[] = [];
      for (const c of campaigns)
        for (const [i, messageId] of c.ids.entries()) {
          const x = random();
          if (x < 0.4) {
            acks.push({ event: "message_error", sessionId: c.sessionId, messageId, groupJid: c.jids[i]!, errorCode: 420 });
            expectFailed.add(key(c.sessionId, messageId));
          } else if (x < 0.65) {
            progress.push({ sessionId: c.sessionId, messageId, status: "delivered" });
            expectDelivered.add(key(c.sessionId, messageId));
          }
        }
      shuffle(acks, random);
      const dups = acks.filter(() => random() < 0.1);
      const ackQueue = shuffle([...acks, ...dups], random);
      events.acksDuplicated += dups.length;
      events.acks += ackQueue.length;
      events.progress += progress.length;
      // Early: a quarter of the ACKs and a fifth of the progress before any send of the round.
      const early = ackQueue.splice(0, Math.floor(ackQueue.length / 4));
      events.acksEarly += early.length;
      let single = true;
      /** Posts the next n of `list`: alternately one ACK alone and a batch of 2–8 (both sessions mixed). */
      const postSome = async (list: MessageErrorEvent[], n: number) => {
        const todo = list.splice(0, n);
        while (todo.length) {
          const chunk = todo.splice(0, single ? 1 : 2 + Math.floor(random() * 7));
          await postAcks(chunk, single);
          single = !single;
        }
      };
      await postSome(early, early.length);
      const earlyProgress = progress.splice(0, Math.floor(progress.length / 5));
      if (earlyProgress.length) await postProgress(earlyProgress);
      // The sends, shuffled, in batches of 10 per campaign; ACKs interleaved (out of order).
      const sendBatches = campaigns.flatMap((c) => {
        const order = shuffle(
          c.ids.map((_, i) => i),
          random,
        );
        return Array.from({ length: Math.ceil(order.length / 10) }, (_, b) => ({ c, idx: order.slice(b * 10, b * 10 + 10) }));
      });
      shuffle(sendBatches, random);
      const perBatch = Math.ceil(ackQueue.length / sendBatches.length);
      for (const { c, idx } of sendBatches) {
        const r = await call("record_message_sent", () =>
          crm.recordMessageSent({ campaignId: c.campaignId, sends: idx.map((i) => ({ groupJid: c.jids[i]!, messageId: c.ids[i]! })) }),
        );
        events.sends += idx.length;
        if (r) for (const i of idx) sentOk.set(key(c.sessionId, c.ids[i]!), c.campaignId);
        await postSome(ackQueue, perBatch);
      }
      await postSome(ackQueue, ackQueue.length);
      for (let b = 0; b < progress.length; b += 20) await postProgress(progress.slice(b, b + 20));
      roundsDone++;
    }
  };

  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
  const seconds = (Date.now() - started) / 1000;
  events.total = events.sends + events.acks + events.progress;

  // The checks, in the database.
  let wrongRows = 0;
  let totalsWrong = 0;
  const lost = { acks: 0, sends: 0, progress: 0 };
  await withClient(o.adminUrl, async (db) => {
    const q = async (sql: string, p: unknown[] = []) => (await db.query(sql, p)).rows;
    const inbox = new Map<string, number>(
      (
        await q(
          "select session_id, message_id, count(*)::int as n from wa_data.message_error_inbox where session_id = any($1) group by 1, 2",
          [o.sessions],
        )
      ).map((r) => [key(r.session_id, r.message_id), r.n]),
    );
    lost.acks = missing(ackedOk, inbox);
    // The check itself can see a loss: one ACK answered but never stored is counted.
    const planted = new Map([[key(o.sessions[0]!, `${o.label}-never-stored`), 1]]);
    if (missing(planted, inbox) !== 1) problem("the loss check does not see a planted loss");
    const rows = new Map(
      (
        await q(
          `select session_id, message_id, campaign_id, status, delivered_at is not null as delivered
           from wa_data.notification_campaign_groups where campaign_id = any($1) and session_id = any($2)`,
          [campaignIds, o.sessions],
        )
      ).map((r) => [key(r.session_id, r.message_id ?? ""), r]),
    );
    lost.sends = [...sentOk].filter(([k, c]) => Number(rows.get(k)?.campaign_id) !== c).length;
    lost.progress = [...progressOk].filter((k) => rows.has(k) && !rows.get(k).delivered).length;
    for (const [k, r] of rows) {
      if ((r.status === "failed") !== expectFailed.has(k)) wrongRows++;
      if (r.delivered && !expectDelivered.has(k)) wrongRows++;
    }
    const bad = await q(
      `select c.id, c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.delivered_count,
         count(g.id)::int as rows, count(*) filter (where g.status = 'sent')::int as sent,
         count(*) filter (where g.status = 'failed')::int as failed, count(g.delivered_at)::int as delivered
       from wa_data.notification_campaigns c left join wa_data.notification_campaign_groups g
         on g.campaign_id = c.id and g.session_id = c.session_id
       where c.id = any($1) and c.session_id = any($2)
       group by c.id, c.session_id
       having c.pending_count <> 0 or c.total_groups <> count(g.id) or c.sent_count <> count(*) filter (where g.status = 'sent')
         or c.failed_count <> count(*) filter (where g.status = 'failed') or c.delivered_count <> count(g.delivered_at)`,
      [campaignIds, o.sessions],
    );
    totalsWrong = bad.length;
    if (bad.length) problem(`totals differ from rows: ${JSON.stringify(bad.slice(0, 3))}`);
    const [{ n }] = await q("select count(*)::int as n from wa_data.notification_campaigns where id = any($1) and session_id = any($2)", [
      campaignIds,
      o.sessions,
    ]);
    if (n !== campaignIds.length) problem(`${campaignIds.length} campaigns created, ${n} found`);
  });
  if (lost.acks) problem(`${lost.acks} ACKs answered 2xx are not in the inbox`);
  if (lost.sends) problem(`${lost.sends} sends answered 2xx are not on their rows`);
  if (lost.progress) problem(`${lost.progress} deliveries answered 2xx are not on their rows`);
  if (wrongRows) problem(`${wrongRows} rows are not as the traffic left them (failed iff ACKed, delivered iff reported)`);

  const failedAnswers = notOkByCode(answers);
  const undocumented5xx = answers.filter((a) => failed(a) && !RETRYABLE_CODES.has(a.code ?? "")).length;
  if (undocumented5xx) problem(`${undocumented5xx} answers were 5xx not documented as retryable: ${JSON.stringify(failedAnswers)}`);
  if (gaveUp) problem(`${gaveUp} calls gave up`);
  const answers2xx = answers.filter((a) => a.status >= 200 && a.status < 300).length;
  return {
    clients,
    sessions: o.sessions.length,
    rounds: roundsDone,
    campaigns: campaignIds.length,
    events,
    ackPosts,
    requests: answers.length,
    answers2xx,
    failedAnswers,
    undocumented5xx,
    retries: answers.length - answers2xx - gaveUp,
    gaveUp,
    outcomes,
    lost,
    wrongRows,
    totalsWrong,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(events.total / seconds),
    problems,
  };
}
