// Dispatch (issue 35) in the flow of npm run test:citus, every step through PostgREST on the
// coordinator with the project's own client, each reported PASS/FAIL with Citus's own message: the
// CRM's configure_session, a campaign scheduled in the past and one in the future, claim_sends from
// the gateway key (the due one's rows only, messageIds fixed), a second concurrent claimer, the
// gateway's record_message_sent, a lease expiry (the same id claimed again), pause/resume, a 463 ACK
// (the next claim answers no sends and why), clear_session_restriction, totals equal rows; then
// where a claim's statements go (citus.log_remote_commands: one worker, the session's shards) and
// two of the client's runDispatcher on one session (every row sent exactly once).
import { BackendError, createCrmClient, createGatewayClient, runDispatcher, type ClaimedSend } from "../../clients/ts/src/index.js";
import { jidFrom } from "../../test/support/jids.js";
import { createApiKey } from "./api-keys.js";
import { expect, sessionsOnEveryWorker, TOTALS_DIFFER, type FlowContext, type StepFn } from "./citus-flow.js";
import { withClient } from "./db.js";
import { sleep } from "./run.js";

/** WhatsApp's id format as internal.new_message_id writes it (Baileys' generateMessageIDV2 shape: 3EB0 + hex). */
const WHATSAPP_ID = /^3EB0[0-9A-F]{18}$/;

/** Where one call's statements went (citus.log_remote_commands). */
interface Routing {
  /** Every worker port the call reached. */
  workers: number[];
  /** The worker holding the session's shards. */
  sessionWorker: number;
  /** The shards its statements named (the session's shard group). */
  shards: string[];
  /** Statements sent (transaction control and the fan-out reads aside). */
  statements: number;
  /** Reads sent to every shard (allowed for the call: the report's campaign lookup by id). */
  fanOutReads: number;
  twoPhaseCommit: boolean;
}

/** What the dispatch steps measured, for the report (docs/scaling.md, docs/citus.md). */
export interface DispatchFigures {
  /** Where one claim's statements went: the worker ports, the shards, and whether it committed in two phases. */
  claimRouting?: Routing;
  recordRouting?: Routing;
  /** Two runDispatcher loops on one session. */
  dispatchers?: { rows: number; sent: number[]; seconds: number; ratePerMinute: number };
}

export async function runDispatchFlow(ctx: FlowContext, step: StepFn): Promise<DispatchFigures> {
  const { apiUrl, adminUrl, run } = ctx;
  const figures: DispatchFigures = {};
  const gatewayKey = (await createApiKey(adminUrl, "gateway", `citus-dispatch-gw-${run}`)).key;
  const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
  // A second gateway process of the same account, with a key of its own.
  const gateway2 = createGatewayClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "gateway", `citus-dispatch-gw2-${run}`)).key });
  const crm = createCrmClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "crm", `citus-dispatch-crm-${run}`)).key });
  const q = (sql: string, p: unknown[] = []) => withClient(adminUrl, async (c) => (await c.query(sql, p)).rows);
  const heldOf = (e: unknown) => (e instanceof BackendError ? e.code : String(e));

  // Two sessions whose shards are on different workers (taken in turn from each worker's, out of
  // enough candidates that every worker has some): one for the steps, one for the dispatchers.
  const [sessionId, loopSession] = await sessionsOnEveryWorker(adminUrl, `citus_${run}_d`, 8);
  if (!sessionId || !loopSession) throw new Error("no sessions placed on the workers");
  const DUE = 16;
  const FUTURE = 4;
  const jids = Array.from({ length: DUE + FUTURE }, (_, i) => jidFrom(70_000_000 + i));
  const loopJids = Array.from({ length: 36 }, (_, i) => jidFrom(71_000_000 + i));
  let due = 0;
  let future = 0;
  const claimedIds = new Map<string, string>(); // groupJid -> messageId, from the first claim of each row
  const rowsOf = (campaignId: number) =>
    q(
      `select group_jid, status, dispatch_message_id, message_id, claim_count from wa_data.notification_campaign_groups
       where session_id = $1 and campaign_id = $2 order by id`,
      [sessionId, campaignId],
    );
  const report = async (sends: ClaimedSend[]) => {
    const byCampaign = new Map<number, ClaimedSend[]>();
    for (const s of sends) byCampaign.set(s.campaignId, [...(byCampaign.get(s.campaignId) ?? []), s]);
    let sent = 0;
    for (const [campaignId, list] of byCampaign)
      sent += (
        await gateway.recordSent(
          campaignId,
          list.map((s) => ({ groupJid: s.groupJid, messageId: s.messageId })),
        )
      ).sent;
    return sent;
  };
  const remember = (sends: ClaimedSend[]) => {
    for (const s of sends) {
      const first = claimedIds.get(s.groupJid);
      expect(first === undefined || first === s.messageId, `${s.groupJid} was claimed with ${first}, now ${s.messageId}`);
      claimedIds.set(s.groupJid, s.messageId);
    }
  };

  await step("dispatch: configure_session (crm; 600/min, no jitter, lease 30 s)", async () => {
    await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: `d ${id}` })) });
    await gateway.syncGroups({ sessionId: loopSession, groups: loopJids.map((id) => ({ id, subject: `l ${id}` })) });
    const r = await crm.configureSession({ sessionId, ratePerMinute: 600, jitterSeconds: 0, leaseSeconds: 30 });
    expect(r.ratePerMinute === 600 && r.leaseSeconds === 30, `configure ${JSON.stringify(r)}`);
  });
  await step("dispatch: schedule_campaign with at in the past (due) and in the future", async () => {
    due = (await crm.createCampaign({ name: `due ${run}`, message: "due", sessionId, groupJids: jids.slice(0, DUE) })).campaignId;
    future = (await crm.createCampaign({ name: `future ${run}`, message: "future", sessionId, groupJids: jids.slice(DUE) })).campaignId;
    const a = await crm.scheduleCampaign(due, true, { at: new Date(Date.now() - 60_000) });
    const b = await crm.scheduleCampaign(future, true, { at: new Date(Date.now() + 3_600_000) });
    expect(a.status === "scheduled" && b.status === "scheduled", `statuses ${a.status}, ${b.status}`);
  });
  let first: ClaimedSend[] = [];
  await step(
    "dispatch: two concurrent claim_sends (two gateway keys): the due campaign's rows only, never the same row, ids fixed",
    async () => {
      const [a, b] = await Promise.all([gateway.claimSends(sessionId, 4), gateway2.claimSends(sessionId, 4)]);
      first = [...a.sends, ...b.sends];
      expect(a.sends.length === 4 && b.sends.length === 4, `claimed ${a.sends.length} and ${b.sends.length}`);
      expect(
        new Set(first.map((s) => s.groupJid)).size === 8,
        `the two claims share rows: ${JSON.stringify(first.map((s) => s.groupJid))}`,
      );
      expect(
        first.every((s) => s.campaignId === due && WHATSAPP_ID.test(s.messageId)),
        `claimed ${JSON.stringify(first.map((s) => [s.campaignId, s.messageId]))}`,
      );
      remember(first);
      const stored = new Map((await rowsOf(due)).map((r) => [r.group_jid as string, r.dispatch_message_id as string | null]));
      expect(
        first.every((s) => stored.get(s.groupJid) === s.messageId),
        "a claimed messageId is not the one stored on its row",
      );
      const notBefore = first.map((s) => Date.parse(s.notBefore)).sort((x, y) => x - y);
      const gaps = notBefore.slice(1).map((t, i) => t - notBefore[i]!);
      expect(
        gaps.every((g) => g >= 99),
        `slots closer than 60/rate: ${gaps.join(", ")} ms`,
      );
      return `8 rows, slots ${Math.min(...gaps)}–${Math.max(...gaps)} ms apart`;
    },
  );
  await step("dispatch: record_message_sent (gateway) of the claimed rows with their ids", async () => {
    expect(first.length === 8, `${first.length} rows claimed before`);
    const sent = await report(first);
    expect(sent === first.length, `${sent} of ${first.length} recorded`);
    const rows = (await rowsOf(due)).filter((r) => claimedIds.has(r.group_jid));
    expect(
      rows.every((r) => r.status === "sent" && r.message_id === claimedIds.get(r.group_jid)),
      `rows ${JSON.stringify(rows)}`,
    );
  });
  await step("dispatch: a lease that ends unreported is claimed again with the same messageId", async () => {
    await crm.configureSession({ sessionId, leaseSeconds: 1 });
    const [held] = (await gateway.claimSends(sessionId, 1)).sends;
    expect(held !== undefined, "nothing claimed");
    remember([held!]);
    // The gateway "crashed": nothing reported. Wait for the lease to end (its own time, not a guess).
    while (Date.now() <= Date.parse(held!.leaseUntil) + 50) await sleep(100);
    const [again] = (await gateway2.claimSends(sessionId, 1)).sends;
    expect(
      again?.groupJid === held!.groupJid && again.messageId === held!.messageId,
      `claimed ${JSON.stringify(again)} after ${JSON.stringify(held)}'s lease`,
    );
    await crm.configureSession({ sessionId, leaseSeconds: 30 });
    expect((await report([again!])) === 1, "the re-claimed row was not recorded");
    const [{ claim_count }] = await q(
      "select claim_count from wa_data.notification_campaign_groups where session_id = $1 and campaign_id = $2 and group_jid = $3",
      [sessionId, due, held!.groupJid],
    );
    expect(claim_count === 2, `claim_count ${claim_count}`);
  });
  await step("dispatch: pause_campaign → no claim; resume_campaign → claims again", async () => {
    await crm.pauseCampaign(due);
    const paused = await gateway.claimSends(sessionId, 2);
    expect(paused.sends.length === 0, `claimed ${paused.sends.length} of a paused campaign`);
    await crm.resumeCampaign(due);
    const resumed = await gateway.claimSends(sessionId, 2);
    expect(resumed.sends.length === 2, `claimed ${resumed.sends.length} after resume`);
    remember(resumed.sends);
    expect((await report(resumed.sends)) === 2, "not recorded");
  });
  await step("dispatch: a 463 ACK → the next claim answers no sends and why; clear_session_restriction resumes it", async () => {
    const victim = first[0]!;
    const r = await gateway.recordMessageError({
      event: "message_error",
      sessionId,
      messageId: victim.messageId,
      groupJid: victim.groupJid,
      errorCode: 463,
    });
    expect(r.results[0]?.outcome === "applied", `ACK ${JSON.stringify(r.results)}`);
    const held = await gateway.claimSends(sessionId, 2);
    expect(held.sends.length === 0 && held.held?.reason === "session_restricted", `claim after 463: ${JSON.stringify(held)}`);
    const refused = await crm
      .createCampaign({ name: "on a restricted session", message: "m", sessionId, groupJids: [jids[0]!] })
      .then(() => "created")
      .catch(heldOf);
    expect(refused === "session_restricted", `a campaign on the restricted session: ${refused}`);
    const cleared = await crm.clearSessionRestriction(sessionId);
    expect(cleared.wasRestricted && cleared.restrictedCode === 463, `clear ${JSON.stringify(cleared)}`);
    const after = await gateway.claimSends(sessionId, 2);
    expect(after.sends.length === 2 && after.held === null, `claim after clearing: ${JSON.stringify(after)}`);
    remember(after.sends);
    expect((await report(after.sends)) === 2, "not recorded");
    return held.held!.reason;
  });

  // Where a claim's statements go: the coordinator's own log of what it sends (Citus's NOTICE per
  // remote command, with the node it went to), for one claim and one report of it.
  const routing = async (sql: string, params: unknown[]) =>
    withClient(adminUrl, async (c) => {
      const sent: { command: string; port: number }[] = [];
      c.on("notice", (n: { message?: string; detail?: string }) => {
        const port = /:(\d+) connectionId/.exec(n.detail ?? "")?.[1];
        if (n.message?.startsWith("issuing ") && port) sent.push({ command: n.message.slice(8), port: Number(port) });
      });
      await c.query("set citus.log_remote_commands = on");
      await c.query("set client_min_messages = notice");
      const [row] = (await c.query(sql, params)).rows;
      await c.query("reset citus.log_remote_commands");
      return { sent, result: row.r };
    });
  /** Transaction control Citus sends around the work (BEGIN … SAVEPOINT, RELEASE, COMMIT, PREPARE TRANSACTION …). */
  const control = /^(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|COMMIT|PREPARE TRANSACTION)/i;
  /**
   * Checks that every statement but `fanOut` (reads allowed to go to every shard) went to the
   * session's worker and its shard group (or a reference table), and that other workers got only
   * those reads and a plain COMMIT (nothing written there).
   */
  const routed = async (sent: { command: string; port: number }[], session: string, fanOut?: RegExp) => {
    const [{ port }] = await q(
      `select n.nodeport as port from pg_dist_placement p join pg_dist_node n using (groupid)
       where p.shardid = get_shard_id_for_distribution_column('wa_data.whatsapp_sessions', $1::text)`,
      [session],
    );
    // The shards of the session's shard group (every co-located table), and the reference tables'.
    const allowed = new Set(
      (
        await q(
          `select s.logicalrelid::regclass::text || '_' || s.shardid as shard from pg_dist_shard s join pg_dist_partition t using (logicalrelid)
           where (t.partmethod = 'h' and s.shardid = get_shard_id_for_distribution_column(s.logicalrelid, $1::text)) or t.partmethod = 'n'`,
          [session],
        )
      ).map((r) => (r.shard as string).replace(/^[a-z_]+\./, "")),
    );
    const spread = sent.filter((s) => fanOut?.test(s.command));
    const work = sent.filter((s) => !control.test(s.command) && !spread.includes(s));
    const shards = [...new Set(work.flatMap((s) => [...s.command.matchAll(/\b([a-z_]+_\d{6,})\b/g)].map((m) => m[1]!)))].sort();
    const workWorkers = [...new Set(work.map((s) => s.port))].sort();
    const strangers = shards.filter((s) => !allowed.has(s));
    // Other workers: the fan-out reads and transaction control only. That control may be a
    // two-phase commit: under load Citus's executor opens more connections for the fan-out read,
    // and then prepared one of them that had only read (seen on the integrated tree, load 4-5:
    // `PREPARE TRANSACTION` / `COMMIT PREPARED` on a connection whose only statement was the read).
    // Nothing but those reaches them: every statement that writes goes to the session's worker.
    const elsewhere = sent.filter(
      (s) =>
        s.port !== port &&
        !spread.includes(s) &&
        !/^(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|COMMIT$|PREPARE TRANSACTION|COMMIT PREPARED)/i.test(s.command),
    );
    expect(
      workWorkers.length === 1 && workWorkers[0] === port,
      `statements went to ${JSON.stringify(workWorkers)}, the session's worker is ${port}`,
    );
    expect(strangers.length === 0, `shards outside the session's shard group: ${strangers.join(", ")}`);
    expect(elsewhere.length === 0, `sent to another worker: ${elsewhere.map((s) => s.command.slice(0, 120)).join(" | ")}`);
    return {
      workers: [...new Set(sent.map((s) => s.port))].sort(),
      sessionWorker: port as number,
      shards,
      statements: work.length,
      fanOutReads: spread.length,
      twoPhaseCommit: sent.some((s) => /^PREPARE TRANSACTION/i.test(s.command)),
    };
  };
  await step(
    "dispatch: claims route by session (a claim: every statement to the session's worker and shard group, one-phase commit; its report: every write there)",
    async () => {
      const claim = await routing("select api.claim_sends($1::jsonb) as r", [{ sessionId, max: 3 }]);
      figures.claimRouting = await routed(claim.sent, sessionId);
      expect(
        figures.claimRouting.workers.length === 1 && !figures.claimRouting.twoPhaseCommit,
        `a claim reached ${JSON.stringify(figures.claimRouting.workers)}`,
      );
      const sends = (claim.result as { sends: ClaimedSend[] }).sends;
      expect(sends.length === 3, `claimed ${sends.length}`);
      remember(sends);
      const rec = await routing("select api.record_message_sent($1::jsonb) as r", [
        { campaignId: due, sends: sends.map((s) => ({ groupJid: s.groupJid, messageId: s.messageId })) },
      ]);
      expect((rec.result as { sent: number }).sent === 3, `recorded ${JSON.stringify(rec.result)}`);
      // The report names only its campaign id: internal.campaign_of reads the campaign by id, unlocked,
      // from every shard (docs/citus.md, item 12) before locking it by (session, id) on its shard. That
      // read is the one statement not routed; everything written goes to the session's worker.
      figures.recordRouting = await routed(
        rec.sent,
        sessionId,
        /^SELECT .* FROM wa_data\.notification_campaigns_\d+ notification_campaigns WHERE \(id OPERATOR\(pg_catalog\.=\) '\d+'::bigint\)$/,
      );
      const c = figures.claimRouting;
      const r = figures.recordRouting;
      return (
        `claim: ${c.statements} statements, all to the session's worker :${c.sessionWorker} (${c.shards.length} shards of its group), one-phase commit; ` +
        `report: ${r.statements} statements to it, plus ${r.fanOutReads} reads of the campaign by id on every shard (${r.workers.length} workers), ${r.twoPhaseCommit ? "two-phase commit on the written worker" : "one-phase commit"}`
      );
    },
  );
  await step("dispatch: the rest claimed and reported; the future campaign untouched; totals equal rows", async () => {
    for (let i = 0; i < 10; i++) {
      const r = await gateway.claimSends(sessionId, 50);
      if (r.sends.length === 0) break;
      remember(r.sends);
      expect(
        r.sends.every((s) => s.campaignId === due),
        "a row of the future campaign was claimed",
      );
      const sent = await report(r.sends);
      expect(sent === r.sends.length, `${sent} of ${r.sends.length} claimed rows recorded: ${JSON.stringify(r.sends)}`);
    }
    const rows = await rowsOf(due);
    // One row failed by the 463 ACK; every other sent, with the id of its first claim.
    expect(
      rows.filter((r) => r.status === "sent").length === DUE - 1 && rows.every((r) => r.message_id === claimedIds.get(r.group_jid)),
      `due rows ${JSON.stringify(rows.filter((r) => r.status !== "sent" || r.message_id !== claimedIds.get(r.group_jid)))}`,
    );
    const later = await rowsOf(future);
    expect(
      later.length === FUTURE && later.every((r) => r.status === "pending" && r.dispatch_message_id === null),
      `future rows ${JSON.stringify(later)}`,
    );
    const bad = await q(`${TOTALS_DIFFER.replace("group by", "where c.session_id = $1 group by")}`, [sessionId]);
    expect(bad.length === 0, `totals differ: ${JSON.stringify(bad)}`);
    const [c] = await q("select status from wa_data.notification_campaigns where session_id = $1 and id = $2", [sessionId, due]);
    return `${claimedIds.size} rows claimed, campaign ${c.status}`;
  });

  // The client's own loop: two dispatchers on one session, a few dozen rows.
  await step("dispatch: two runDispatcher loops on one session: every row sent exactly once", async () => {
    const rows = 36;
    const rate = 600;
    await crm.configureSession({ sessionId: loopSession, ratePerMinute: rate, jitterSeconds: 0, leaseSeconds: 30 });
    const id = (
      await crm.createCampaign({ name: `loop ${run}`, message: "loop", sessionId: loopSession, groupJids: loopJids.slice(0, rows) })
    ).campaignId;
    await crm.scheduleCampaign(id, true, { at: new Date(Date.now() - 1000) });
    const sentBy: { groupJid: string; messageId: string; by: number }[] = [];
    const errors: unknown[] = [];
    const t0 = Date.now();
    const loop = (by: number, g: typeof gateway) =>
      runDispatcher({
        gateway: g,
        sessionId: loopSession,
        max: 5,
        stopWhenIdle: true,
        maxSleepMs: 1000,
        onError: (e) => errors.push(e),
        send: async (item) => {
          sentBy.push({ groupJid: item.groupJid, messageId: item.messageId, by });
        },
      });
    const summaries = await Promise.all([loop(1, gateway), loop(2, gateway2)]);
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    expect(errors.length === 0, `dispatcher errors: ${errors.map(String).join("; ")}`);
    const jidsSent = new Set(sentBy.map((s) => s.groupJid));
    expect(sentBy.length === rows && jidsSent.size === rows, `${sentBy.length} sends of ${jidsSent.size} groups, ${rows} rows`);
    const stored = await q(
      "select group_jid, status, message_id from wa_data.notification_campaign_groups where session_id = $1 and campaign_id = $2",
      [loopSession, id],
    );
    const sentIds = new Map(sentBy.map((s) => [s.groupJid, s.messageId]));
    expect(
      stored.length === rows && stored.every((r) => r.status === "sent" && r.message_id === sentIds.get(r.group_jid)),
      `rows ${JSON.stringify(stored.filter((r) => r.status !== "sent" || r.message_id !== sentIds.get(r.group_jid)))}`,
    );
    figures.dispatchers = { rows, sent: summaries.map((s) => s.sent), seconds, ratePerMinute: rate };
    return `${rows} rows, ${summaries.map((s) => s.sent).join(" + ")} sends, ${seconds}s at ${rate}/min`;
  });
  return figures;
}
