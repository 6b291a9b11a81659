// The gateway/CRM flow of npm run test:citus, every step through PostgREST on the coordinator with
// the project's own client (the webhooks as the gateways post them: bytes from
// test/fixtures/gateway-payloads.ts, which names each one's source), each step reported PASS/FAIL
// with Citus's own message: sync (a community parent never stored, its announcement group stored),
// campaigns, send records, error ACKs (early, single, batched over two sessions), delivery
// progress, the WAHA and Evolution API webhooks, the lifecycle (schedule, retry, cancel, a
// restricting code and clear_session_restriction), retention (npm run db:prune), the operators'
// calls (expire_unmatched_acks, resolve_quarantined, metrics), then totals equal rows.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { createCrmClient, createGatewayClient, createOpsClient, BackendError } from "../../clients/ts/src/index.js";
import { evolutionMessageUpdate, wahaNowebError, wahaNowebGroupReceipt } from "../../test/fixtures/gateway-payloads.js";
import { jidFrom } from "../../test/support/jids.js";
import { createApiKey } from "./api-keys.js";
import { withClient } from "./db.js";
import { repoRoot } from "./paths.js";
import { setWebhookKey } from "./webhook-keys.js";

export type StepFn = (name: string, fn: () => Promise<unknown>) => Promise<boolean>;
export const expect = (cond: boolean, what: string) => {
  if (!cond) throw new Error(what);
};

/** Campaign totals that differ from the rows (of every campaign, or of `ids`). */
export const TOTALS_DIFFER = `select c.id, c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.delivered_count, c.cancelled_count,
    count(g.id)::int as rows, count(*) filter (where g.status = 'sent')::int as sent,
    count(*) filter (where g.status = 'failed')::int as failed, count(*) filter (where g.status = 'pending')::int as pending,
    count(*) filter (where g.status = 'cancelled')::int as cancelled, count(g.delivered_at)::int as delivered
  from wa_data.notification_campaigns c left join wa_data.notification_campaign_groups g
    on g.campaign_id = c.id and g.session_id = c.session_id
  group by c.id, c.session_id having c.total_groups <> count(g.id) or c.sent_count <> count(*) filter (where g.status = 'sent')
    or c.failed_count <> count(*) filter (where g.status = 'failed') or c.pending_count <> count(*) filter (where g.status = 'pending')
    or c.cancelled_count <> count(*) filter (where g.status = 'cancelled') or c.delivered_count <> count(g.delivered_at)`;

const SESSIONS = 6;
const GROUPS = 20;

export interface FlowContext {
  apiUrl: string;
  /** The coordinator's application database, as its owner. */
  adminUrl: string;
  /** Unique per run (names of sessions, keys, message ids). */
  run: string;
}

/** A session id of this run whose shards sit on each worker in turn (checked by the first step). */
/** `count` session ids of this run (prefix) taken in turn from each worker's shards (every worker has some: checked). */
export async function sessionsOnEveryWorker(url: string, prefix: string, count: number): Promise<string[]> {
  const candidates = Array.from({ length: count * 4 }, (_, i) => `${prefix}${i}`);
  const rows = await withClient(
    url,
    async (c) =>
      (
        await c.query<{ sid: string; node: number }>(
          `select sid, n.nodeport as node from unnest($1::text[]) with ordinality as x(sid, i),
         lateral get_shard_id_for_distribution_column('wa_data.whatsapp_sessions', sid) shard
         join pg_dist_placement p on p.shardid = shard join pg_dist_node n using (groupid) order by i`,
          [candidates],
        )
      ).rows,
  );
  const byNode = new Map<number, string[]>();
  for (const r of rows) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r.sid]);
  const lists = [...byNode.values()];
  const workers = await withClient(
    url,
    async (c) => (await c.query("select count(*)::int as n from pg_dist_node where noderole = 'primary' and shouldhaveshards")).rows[0].n,
  );
  if (lists.length !== workers) throw new Error(`the candidate sessions' shards are on ${lists.length} of ${workers} workers`);
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const list = lists[i % lists.length]!;
    const next = list.shift();
    if (next) out.push(next);
    if (lists.every((l) => l.length === 0)) break;
  }
  return out;
}

export const flowSession = (run: string, s: number | string) => `citus_${run}_s${s}`;

export async function runFlow(ctx: FlowContext, step: StepFn) {
  const { apiUrl, adminUrl, run } = ctx;
  const gatewayKey = (await createApiKey(adminUrl, "gateway", `citus-gateway-${run}`)).key;
  const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
  const crm = createCrmClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "crm", `citus-crm-${run}`)).key });
  const ops = createOpsClient({ url: apiUrl, apiKey: (await createApiKey(adminUrl, "ops", `citus-ops-${run}`)).key });
  const q = (sql: string, p: unknown[] = []) => withClient(adminUrl, async (c) => (await c.query(sql, p)).rows);
  /** Posts a body as a gateway does (its own bytes, headers), with the gateway key. */
  const postRaw = async (path: string, raw: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": gatewayKey, ...headers },
      body: raw,
    });
    const text = await res.text();
    expect(res.status === 200, `${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  // Sessions whose shards are on every worker (hashed names alone may all land on one).
  const names = await sessionsOnEveryWorker(adminUrl, flowSession(run, ""), SESSIONS);
  const sessions = Array.from({ length: SESSIONS }, (_, s) => ({
    sessionId: names[s]!,
    jids: Array.from({ length: GROUPS }, (_, i) => jidFrom(10_000_000 * (s + 1) + i)),
    campaignId: 0,
  }));
  const parent = jidFrom(90_000_001);
  const announcement = jidFrom(90_000_002);
  const msgId = (s: number, i: number) => `CITUS${run}S${s}X${i}`.toUpperCase();
  /** The error ACK of session s's message i, as the gateway posts it. */
  const ack = (s: number, i: number, errorCode = 420) => ({
    event: "message_error" as const,
    sessionId: sessions[s]!.sessionId,
    messageId: msgId(s, i),
    groupJid: sessions[s]!.jids[i]!,
    errorCode,
  });
  const row = async (s: number, i: number) =>
    (
      await q(
        "select status, error_code, delivered_at from wa_data.notification_campaign_groups where session_id = $1 and message_id = $2",
        [sessions[s]!.sessionId, msgId(s, i)],
      )
    )[0];

  await step("sessions spread over the workers", async () => {
    const [{ n }] = await q(
      `select count(distinct n.nodeport)::int as n from unnest($1::text[]) sid,
      lateral get_shard_id_for_distribution_column('wa_data.whatsapp_sessions', sid) shard
      join pg_dist_placement p on p.shardid = shard join pg_dist_node n using (groupid)`,
      [sessions.map((s) => s.sessionId)],
    );
    expect(n >= 2, `the sessions' shards are on ${n} node(s)`);
  });
  await step("a read view as crm (Citus connects to the workers as crm)", () => crm.listSessions());
  await step("sync_groups (a community parent not stored, its announcement group stored)", async () => {
    for (const [si, s] of sessions.entries()) {
      const extra =
        si === 0
          ? [
              { id: parent, subject: "community", isCommunity: true },
              { id: announcement, subject: "community", isCommunityAnnounce: true, linkedParent: parent },
            ]
          : [];
      const r = await gateway.syncGroups({
        sessionId: s.sessionId,
        groups: [...extra, ...s.jids.map((id) => ({ id, subject: `g ${id}` }))],
      });
      expect(r.skippedParents === (si === 0 ? 1 : 0), `skippedParents ${r.skippedParents}`);
    }
    const [{ n, parents, announcements }] = await q(
      `select count(*)::int as n, count(*) filter (where group_jid = $2)::int as parents,
         count(*) filter (where group_jid = $3 and is_community_announce)::int as announcements
       from wa_data.whatsapp_groups where session_id like $1`,
      [`citus_${run}_%`, parent, announcement],
    );
    expect(
      n === SESSIONS * GROUPS + 1 && parents === 0 && announcements === 1,
      `${n} groups stored, ${parents} parents, ${announcements} announcement groups`,
    );
  });
  await step("create_campaign", async () => {
    for (const [si, s] of sessions.entries())
      s.campaignId = (
        await crm.createCampaign({
          name: `citus ${s.sessionId}`,
          message: "m",
          sessionId: s.sessionId,
          groupJids: si === 0 ? [...s.jids, announcement] : s.jids,
        })
      ).campaignId;
  });
  await step("early error ACK (before its send)", async () => {
    const r = await gateway.recordMessageError(ack(0, 0));
    expect(r.results[0]?.outcome === "pending_match", `outcome ${JSON.stringify(r.results)}`);
  });
  await step("record_message_sent (the early ACK applied on its row)", async () => {
    for (const [si, s] of sessions.entries()) {
      const r = await crm.recordMessageSent({
        campaignId: s.campaignId,
        sends: s.jids.map((groupJid, i) => ({ groupJid, messageId: msgId(si, i) })),
      });
      expect(r.sent + r.failedByEarlyAck === GROUPS, `send record ${JSON.stringify(r)}`);
    }
    expect((await row(0, 0))?.status === "failed", `the early-ACKed row is ${(await row(0, 0))?.status}`);
  });
  await step("error ACK (single)", async () => {
    const r = await gateway.recordMessageError(ack(1, 1));
    expect(r.results[0]?.outcome === "applied", `outcome ${JSON.stringify(r.results)}`);
  });
  await step("error ACKs (batched, two sessions)", async () => {
    const r = await gateway.recordMessageError([2, 3].flatMap((s) => [2, 3, 4].map((i) => ack(s, i))));
    expect(
      r.results.every((x) => x.outcome === "applied"),
      `outcomes ${JSON.stringify(r.results)}`,
    );
  });
  await step("delivery progress", async () => {
    const r = await gateway.recordMessageStatus(
      sessions.map((s, si) => ({ sessionId: s.sessionId, messageId: msgId(si, 10), status: "delivered" as const })),
    );
    expect(
      r.results.every((x) => x.outcome === "applied"),
      `outcomes ${JSON.stringify(r.results)}`,
    );
  });
  await step("WAHA webhook (message.ack ERROR, message.ack.group receipt; signed with the session's WAHA key)", async () => {
    const s = sessions[4]!;
    const key = `citus-waha-key-${run}`;
    await setWebhookKey(adminUrl, "waha", s.sessionId, key);
    const post = (body: unknown) => {
      const raw = JSON.stringify(body);
      return postRaw("/rpc/waha_webhook", raw, {
        "x-webhook-hmac": createHmac("sha512", key).update(raw).digest("hex"),
        "x-webhook-hmac-algorithm": "sha512",
      });
    };
    const error = await post(wahaNowebError(s.sessionId, s.jids[5]!, msgId(4, 5), "420"));
    expect((error.errors as { applied?: number })?.applied === 1, `message.ack: ${JSON.stringify(error)}`);
    const receipt = await post(
      wahaNowebGroupReceipt(s.sessionId, s.jids[6]!, msgId(4, 6), "5511900000001", "receiptTimestamp", Math.floor(Date.now() / 1000)),
    );
    expect((receipt.progress as { applied?: number })?.applied === 1, `message.ack.group: ${JSON.stringify(receipt)}`);
    const [failed, delivered] = [await row(4, 5), await row(4, 6)];
    expect(failed?.status === "failed" && delivered?.delivered_at !== null, `rows ${JSON.stringify([failed, delivered])}`);
  });
  await step("Evolution API webhook (messages.update ERROR)", async () => {
    const s = sessions[5]!;
    const r = await postRaw(
      "/rpc/evolution_webhook",
      JSON.stringify(evolutionMessageUpdate(s.sessionId, msgId(5, 5), s.jids[5]!, "ERROR")),
    );
    expect((r.errors as { applied?: number })?.applied === 1, `messages.update: ${JSON.stringify(r)}`);
    expect((await row(5, 5))?.status === "failed", `row ${JSON.stringify(await row(5, 5))}`);
  });
  await step("campaign read back", async () => {
    const c = await crm.getCampaign(sessions[1]!.campaignId);
    expect(c.failed_count === 1 && c.sent_count === GROUPS - 1, `campaign ${JSON.stringify(c)}`);
    const failedRows = await crm.listFailedGroups(sessions[3]!.campaignId);
    expect(failedRows.length === 3, `${failedRows.length} failed groups`);
  });

  await step(
    "Idempotency-Key: a repeated create_campaign and retry_failed_groups answer the first (idempotency_keys by caller)",
    async () => {
      const s = sessions[2]!;
      const crmKey = (await createApiKey(adminUrl, "crm", `citus-idem-${run}`)).key;
      const post = async (path: string, body: unknown, key: string) => {
        const res = await fetch(`${apiUrl}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": crmKey, "idempotency-key": `"${key}"` },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        expect(res.status === 200, `${path} answered ${res.status}: ${text}`);
        return JSON.parse(text) as Record<string, unknown>;
      };
      const body = { name: `idem ${run}`, message: "m", sessionId: s.sessionId, groupJids: s.jids.slice(10, 12) };
      const [a, b] = [await post("/rpc/create_campaign", body, `c-${run}`), await post("/rpc/create_campaign", body, `c-${run}`)];
      expect(a.campaignId === b.campaignId, `two campaigns for one key: ${a.campaignId}, ${b.campaignId}`);
      const retry = { campaignId: sessions[3]!.campaignId };
      const [r1, r2] = [
        await post("/rpc/retry_failed_groups", retry, `r-${run}`),
        await post("/rpc/retry_failed_groups", retry, `r-${run}`),
      ];
      expect(r1.campaignId === r2.campaignId, `two retries for one key: ${r1.campaignId}, ${r2.campaignId}`);
      const [{ n }] = await q("select count(*)::int as n from wa_data.notification_campaigns where session_id = $1 and name = $2", [
        s.sessionId,
        body.name,
      ]);
      expect(n === 1, `${n} campaigns named ${body.name}`);
    },
  );

  // Lifecycle.
  let draft = 0;
  await step("schedule_campaign (draft → scheduled → draft)", async () => {
    const s = sessions[2]!;
    draft = (await crm.createCampaign({ name: "to schedule", message: "m", sessionId: s.sessionId, groupJids: s.jids.slice(0, 5) }))
      .campaignId;
    expect((await crm.scheduleCampaign(draft, true)).status === "scheduled", "not scheduled");
    expect((await crm.scheduleCampaign(draft, false)).status === "draft", "not back to draft");
  });
  await step("retry_failed_groups (a new draft over the failed groups)", async () => {
    const r = await crm.retryFailedGroups({ campaignId: sessions[3]!.campaignId });
    expect(r.totalGroups === 3 && r.retryOf === sessions[3]!.campaignId, `retry ${JSON.stringify(r)}`);
  });
  await step(
    "an error code of effect group_unsendable marks its group: not listed, refused by create_campaign, skipped by retry",
    async () => {
      // A code of this run's own, made group_unsendable for the step (wa_data.error_code_effects is a
      // reference table: one INSERT reaches every node), removed again after it.
      const code = 990_421;
      const si = 3;
      const s = sessions[si]!;
      await q(
        "insert into wa_data.error_code_effects (code, effect, meaning, source) values ($1, 'group_unsendable', 'test:citus', 'test:citus') on conflict do nothing",
        [code],
      );
      try {
        const r = await gateway.recordMessageError(ack(si, 5, code));
        expect(r.results[0]?.outcome === "applied", `outcome ${JSON.stringify(r.results)}`);
        const listed = (await crm.listSendableGroups(s.sessionId)).map((g) => g.group_jid);
        expect(
          !listed.includes(s.jids[5]!) && listed.includes(s.jids[6]!),
          `sendable groups ${listed.length}, the marked one listed: ${listed.includes(s.jids[5]!)}`,
        );
        const refused = await crm
          .createCampaign({ name: "marked", message: "m", sessionId: s.sessionId, groupJids: [s.jids[5]!, s.jids[6]!] })
          .then(() => "created")
          .catch((e: unknown) => (e instanceof BackendError ? e.code : String(e)));
        expect(refused === "unsendable_groups", `a campaign over the marked group: ${refused}`);
        const retried = await crm
          .retryFailedGroups({ campaignId: s.campaignId, errorCodes: [code] })
          .then((x) => JSON.stringify(x))
          .catch((e: unknown) => (e instanceof BackendError ? e.code : String(e)));
        expect(retried === "nothing_to_retry", `a retry of the marked group's failure: ${retried}`);
      } finally {
        await q("delete from wa_data.error_code_effects where code = $1", [code]);
      }
    },
  );
  let cancelled = 0;
  await step("cancel_campaign", async () => {
    const r = await crm.cancelCampaign(draft);
    expect(r.status === "cancelled" && r.cancelledGroups === 5, `cancel ${JSON.stringify(r)}`);
    cancelled = draft;
  });
  await step("a restricting code (463) flags the session; clear_session_restriction lets it send again", async () => {
    const s = sessions[1]!;
    await gateway.recordMessageError(ack(1, 2, 463));
    const refused = await crm
      .createCampaign({ name: "restricted", message: "m", sessionId: s.sessionId, groupJids: s.jids.slice(0, 2) })
      .then(() => "created")
      .catch((e: unknown) => (e instanceof BackendError ? e.code : String(e)));
    expect(refused === "session_restricted", `a campaign on the restricted session: ${refused}`);
    const cleared = await crm.clearSessionRestriction(s.sessionId);
    expect(cleared.wasRestricted && cleared.restrictedCode === 463, `clear ${JSON.stringify(cleared)}`);
    await crm.createCampaign({ name: "after clearing", message: "m", sessionId: s.sessionId, groupJids: s.jids.slice(0, 2) });
  });
  await step("retention: npm run db:prune deletes a campaign finished past retention", async () => {
    expect(cancelled > 0, "no cancelled campaign to age");
    await q("update wa_data.notification_campaigns set finished_at = now() - interval '400 days' where id = $1", [cancelled]);
    const r = spawnSync(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "db-prune.ts")], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: adminUrl },
      encoding: "utf8",
    });
    expect(r.status === 0, `db:prune exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const deleted = (JSON.parse(r.stdout.trim().split("\n").pop()!) as { deleted: Record<string, number> }).deleted;
    const [{ n }] = await q("select count(*)::int as n from wa_data.notification_campaigns where id = $1", [cancelled]);
    expect(
      (deleted.finished_campaigns ?? 0) >= 1 && n === 0,
      `deleted ${JSON.stringify(deleted)}, the campaign ${n ? "is still there" : "is gone"}`,
    );
    return `deleted ${JSON.stringify(deleted)}`;
  });
  await step("expire_unmatched_acks (ops)", async () => {
    const s = sessions[0]!;
    const r = await gateway.recordMessageError({
      event: "message_error",
      sessionId: s.sessionId,
      messageId: `CITUS${run}NEVERSENT`,
      errorCode: 420,
    });
    expect(r.results[0]?.outcome === "pending_match", `outcome ${JSON.stringify(r.results)}`);
    const backlog = await ops.ackBacklog();
    expect(
      backlog.some((b) => b.session_id === s.sessionId),
      "the session is not in the backlog",
    );
    const e = await ops.expireUnmatchedAcks(0);
    expect(e.expired >= 1, `expired ${JSON.stringify(e)}`);
  });
  await step("resolve_quarantined (ops): an unreadable ACK quarantined, then dismissed", async () => {
    const res = await fetch(`${apiUrl}/rpc/record_message_error`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": gatewayKey },
      body: JSON.stringify({
        event: "message_error",
        sessionId: sessions[0]!.sessionId,
        messageId: `CITUS${run}Q`,
        errorCode: "four-twenty",
      }),
    });
    expect(res.status === 422, `an unreadable errorCode answered ${res.status}`);
    const quarantined = (await ops.quarantine(1000)).find((x) => JSON.stringify(x).includes(`CITUS${run}Q`));
    expect(quarantined !== undefined, "not in the quarantine");
    const r = await ops.resolveQuarantined({ id: quarantined!.id!, action: "dismiss" });
    expect(r.resolution === "dismissed", `resolve ${JSON.stringify(r)}`);
  });
  await step("metrics (ops)", async () => {
    const text = await ops.metrics();
    expect(/^wa_/m.test(text), `metrics: ${text.slice(0, 200)}`);
  });
  await step("totals equal rows", async () => {
    const bad = await q(TOTALS_DIFFER);
    expect(bad.length === 0, `totals differ: ${JSON.stringify(bad)}`);
    const [{ n }] = await q("select count(*)::int as n from wa_data.notification_campaigns where session_id like $1", [`citus_${run}_%`]);
    expect(n > 0, "no campaigns");
  });
}
