// Operating it (issue: campaign lifecycle, backlog and quarantine, retention, metrics, a chart):
// through PostgREST with real keys of each role; retention through the real npm run db:prune.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseBin, campaignReport, MAX_BINS, STEP_COLOURS } from "../../scripts/lib/campaign-report.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { apiUrl, db, dbUrl, newKey, roleHeaders } from "../support/env.js";
import { post } from "../support/http.js";
import { baileysGroup, campaignTotals, groupJid, seedSession, uniqueSession } from "../support/fixtures.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
let ops: Record<string, string>;
beforeAll(async () => {
  ({ gw, crm } = await roleHeaders());
  ops = { "x-api-key": await newKey("ops") };
});
afterAll(() => db.end());

const get = async (path: string, h: Record<string, string>) => (await fetch(apiUrl + path, { headers: h })).json();

async function campaign(n: number, prefix: string) {
  const { sessionId, jids } = await seedSession(gw["x-api-key"]!, n, prefix);
  const r = await post("/rpc/create_campaign", { name: prefix, message: "m", sessionId, groupJids: jids }, crm);
  return { sessionId, jids, campaignId: r.json.campaignId as number };
}

const totalsAddUp = async (campaignId: number) => {
  const { rows } = await db.query(
    `select c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.cancelled_count,
      (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'cancelled') as cancelled_rows
    from notification_campaigns c where c.id = $1`,
    [campaignId],
  );
  const t = await campaignTotals(campaignId);
  const c = rows[0];
  expect([t.pending_count, t.sent_count, t.failed_count, c.cancelled_count, t.total_groups]).toEqual([
    t.pending_rows,
    t.sent_rows,
    t.failed_rows,
    c.cancelled_rows,
    t.rows,
  ]);
  expect(c.total_groups).toBe(c.pending_count + c.sent_count + c.failed_count + c.cancelled_count);
  return t;
};

describe("campaign lifecycle (crm)", () => {
  it("schedule, unschedule, cancel: groups not yet sent are cancelled and never sent later; nonsense is 409", async () => {
    const { sessionId, jids, campaignId } = await campaign(5, "life");
    expect((await post("/rpc/schedule_campaign", { campaignId, scheduled: true }, crm)).json.status).toBe("scheduled");
    const twice = await post("/rpc/schedule_campaign", { campaignId, scheduled: true }, crm);
    // details travel as JSON text (PostgREST 12 takes details as a string: docs/errors.md).
    expect([twice.status, twice.json.code, JSON.parse(twice.json.details)]).toEqual([
      409,
      "invalid_transition",
      { status: "scheduled", action: "schedule" },
    ]);
    expect((await post("/rpc/schedule_campaign", { campaignId, scheduled: false }, crm)).json.status).toBe("draft");
    await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], messageId: `L${campaignId}a` },
          { groupJid: jids[1], errorCode: 420 },
        ],
      },
      crm,
    );
    const cancel = await post("/rpc/cancel_campaign", { campaignId }, crm);
    expect(cancel.json).toMatchObject({
      status: "cancelled",
      cancelledGroups: 3,
      campaign: { cancelledCount: 3, sentCount: 1, failedCount: 1 },
    });
    const late = await post("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[2], messageId: `L${campaignId}c` }] }, crm);
    expect([late.status, late.json.code]).toEqual([409, "campaign_cancelled"]);
    expect((await post("/rpc/cancel_campaign", { campaignId }, crm)).json.code).toBe("invalid_transition");
    // A late error ACK still fails the sent row; the campaign stays cancelled.
    await post("/rpc/record_message_error", { sessionId, messageId: `L${campaignId}a`, errorCode: 421 }, gw);
    const [c] = await get(`/campaigns?id=eq.${campaignId}`, crm);
    expect(c).toMatchObject({ status: "cancelled", failed_count: 2, sent_count: 0, cancelled_count: 3 });
    expect(c.finished_at).not.toBeNull();
    await totalsAddUp(campaignId);
    const { campaignId: done, jids: j2 } = await campaign(1, "done");
    await post("/rpc/record_message_sent", { campaignId: done, sends: [{ groupJid: j2[0], messageId: `D${done}` }] }, crm);
    const finished = await post("/rpc/cancel_campaign", { campaignId: done }, crm);
    expect([finished.status, JSON.parse(finished.json.details)]).toEqual([409, { status: "completed", action: "cancel" }]);
    expect((await post("/rpc/cancel_campaign", { campaignId: 999999999 }, crm)).status).toBe(404);
  });

  it("retry: a new draft over the failed groups that can still be targeted, optionally by error code", async () => {
    const { sessionId, jids, campaignId } = await campaign(5, "retry");
    await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], errorCode: 420 },
          { groupJid: jids[1], errorCode: 420 },
          { groupJid: jids[2], errorCode: 421 },
          { groupJid: jids[3], messageId: `R${campaignId}` },
          { groupJid: jids[4], errorCode: 420 },
        ],
      },
      crm,
    );
    // jids[4] leaves the session's groups: it cannot be retried.
    await post("/rpc/sync_groups", { sessionId, groups: jids.slice(0, 4).map((id) => ({ id })) }, gw);
    const only420 = await post("/rpc/retry_failed_groups", { campaignId, errorCodes: [420] }, crm);
    expect(only420.json).toMatchObject({ retryOf: campaignId, totalGroups: 2, skipped: 1, status: "draft" });
    const rows = await get(`/campaign_groups?campaign_id=eq.${only420.json.campaignId}&select=group_jid&order=group_jid`, crm);
    expect(rows.map((r: { group_jid: string }) => r.group_jid)).toEqual([jids[0], jids[1]].sort());
    expect((await post("/rpc/retry_failed_groups", { campaignId }, crm)).json.totalGroups).toBe(3);
    const none = await post("/rpc/retry_failed_groups", { campaignId, errorCodes: [499] }, crm);
    expect([none.status, none.json.code]).toEqual([422, "nothing_to_retry"]);
  });
});

describe("ops surface (ops)", () => {
  it("the backlog per session, expiring old unmatched ACKs, and a send recorded later is not failed by an expired one", async () => {
    const { jids, campaignId, sessionId } = await campaign(2, "backlog");
    await post(
      "/rpc/record_message_error",
      {
        events: [
          { sessionId, messageId: `B${campaignId}old`, errorCode: 420 },
          { sessionId, messageId: `B${campaignId}new`, errorCode: 420 },
        ],
      },
      gw,
    );
    await db.query("update message_error_inbox set received_at = now() - interval '2 days' where message_id = $1", [`B${campaignId}old`]);
    const [b] = await get(`/ack_backlog?session_id=eq.${sessionId}`, ops);
    expect(b.unmatched).toBe(2);
    expect(b.oldest_age_seconds).toBeGreaterThanOrEqual(2 * 86400);
    const exp = await post("/rpc/expire_unmatched_acks", { olderThanSeconds: 86400 }, ops);
    expect(exp.json.expired).toBeGreaterThanOrEqual(1);
    const [after] = await get(`/ack_backlog?session_id=eq.${sessionId}`, ops);
    expect(after.unmatched).toBe(1);
    const sent = await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], messageId: `B${campaignId}old` },
          { groupJid: jids[1], messageId: `B${campaignId}new` },
        ],
      },
      crm,
    );
    expect([sent.json.sent, sent.json.failedByEarlyAck]).toEqual([1, 1]);
    const codes = await get(`/error_codes?campaign_id=eq.${campaignId}`, ops);
    expect(codes).toEqual([expect.objectContaining({ session_id: sessionId, error_code: 420, failures: 1 })]);
  });

  it("the quarantine: a bounded preview; dismiss once; replay a kept event; a truncated one cannot be replayed", async () => {
    const marker = uniqueSession("q");
    await post("/rpc/record_message_error", { messageId: marker, errorMessage: "x".repeat(5000) }, gw);
    const [q] = await get(`/quarantine?preview=like.*${marker}*&order=id.desc&limit=1`, ops);
    expect(q).toMatchObject({ code: "invalid_error_message", resolved_at: null });
    expect(q.preview.length).toBeLessThanOrEqual(500);
    expect((await post("/rpc/resolve_quarantined", { id: q.id, action: "dismiss" }, ops)).json.resolution).toBe("dismissed");
    expect((await post("/rpc/resolve_quarantined", { id: q.id, action: "replay" }, ops)).json.code).toBe("already_resolved");
    // Kept under an older rule, valid now: replayed through the endpoint it came to.
    const {
      rows: [kept],
    } = await db.query(
      `insert into message_error_quarantine (code, reason, raw, raw_bytes, endpoint)
      values ('invalid_error_code', 'an older rule', jsonb_build_object('sessionId', 'wa_q', 'messageId', $1::text, 'errorCode', 420), 40,
              'record_message_error') returning id`,
      [`${marker}r`],
    );
    const replay = await post("/rpc/resolve_quarantined", { id: Number(kept.id), action: "replay" }, ops);
    expect(replay.json).toMatchObject({ resolution: "replayed", replay: { counts: { pending_match: 1 } } });
    const {
      rows: [big],
    } = await db.query(`insert into message_error_quarantine (code, reason, raw, raw_bytes)
      values ('invalid_body', 'big', '{"_truncated": true, "_bytes": 99999}', 99999) returning id`);
    // (the endpoint is not even looked at: a body kept in part is never replayed)
    expect((await post("/rpc/resolve_quarantined", { id: Number(big.id), action: "replay" }, ops)).json.code).toBe("quarantine_truncated");
  });

  it("GET /rpc/metrics is Prometheus text a maintained parser reads, and its numbers are the database's", async () => {
    const res = await fetch(`${apiUrl}/rpc/metrics`, {
      headers: { ...ops, accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    for (const name of [
      "wa_error_acks",
      "wa_ack_backlog",
      "wa_ack_backlog_oldest_seconds",
      "wa_quarantine_unresolved",
      "wa_campaigns",
      "wa_restricted_sessions",
    ]) {
      expect(families.get(name)?.type, name).toBe("GAUGE");
    }
    const byStatus = Object.fromEntries(families.get("wa_campaigns")!.metrics.map((m) => [m.labels!.status, Number(m.value)]));
    const { rows } = await db.query("select status, count(*)::int as n from notification_campaigns group by status");
    for (const r of rows) expect(byStatus[r.status], r.status).toBeGreaterThanOrEqual(r.n); // others may add campaigns meanwhile
    const restricted = (await db.query("select count(*)::int as n from whatsapp_sessions where restricted_at is not null")).rows[0].n;
    expect(Number(families.get("wa_restricted_sessions")!.metrics[0]!.value)).toBeGreaterThanOrEqual(restricted - 5);
    // A session name that needs escaping stays one label (a session the backend knows: synced).
    const odd = `odd"\\session-${uniqueSession()}`;
    await post("/rpc/sync_groups", { sessionId: odd, groups: [baileysGroup(groupJid())] }, gw);
    await post("/rpc/record_message_error", { sessionId: odd, messageId: uniqueSession("m") }, gw);
    const again = parsePrometheusTextFormat(await (await fetch(`${apiUrl}/rpc/metrics`, { headers: ops })).text());
    expect(again.find((f) => f.name === "wa_ack_backlog")!.metrics.some((m) => m.labels!.session === odd)).toBe(true);
  });

  it("a caller cannot blow up the metrics: sessions never synced add no series, they aggregate under one label", async () => {
    const scrape = async () =>
      new Map(
        parsePrometheusTextFormat(await (await fetch(`${apiUrl}/rpc/metrics`, { headers: ops })).text()).map((f) => [f.name, f.metrics]),
      );
    const before = await scrape();
    // 300 ACKs, each for a session nobody synced (a gateway inventing names, or a junk key).
    const events = Array.from({ length: 300 }, () => ({ sessionId: uniqueSession("junk"), messageId: uniqueSession("m"), errorCode: 463 }));
    expect((await post("/rpc/record_message_error", { events }, gw)).status).toBe(200);
    const after = await scrape();
    for (const family of ["wa_ack_backlog", "wa_ack_backlog_oldest_seconds"]) {
      expect(
        after.get(family)!.filter((m) => m.labels!.session!.startsWith("junk_")),
        family,
      ).toEqual([]);
      expect(after.get(family)!.length, family).toBeLessThanOrEqual(before.get(family)!.length + 1);
    }
    const unknown = after.get("wa_ack_backlog")!.find((m) => m.labels!.session === "(unknown)");
    expect(Number(unknown?.value)).toBeGreaterThanOrEqual(300);
  });
});

describe("retention", () => {
  it("npm run db:prune deletes what is older than each horizon, keeps what is newer, never a campaign still sending", async () => {
    const old = "now() - interval '400 days'";
    const { campaignId: oldDone, jids: a } = await campaign(1, "oldfin");
    const { campaignId: newDone, jids: b } = await campaign(1, "newfin");
    const { campaignId: oldSending, jids: c } = await campaign(2, "oldsend");
    for (const [id, j] of [
      [oldDone, a],
      [newDone, b],
    ] as const) {
      await post("/rpc/record_message_sent", { campaignId: id, sends: [{ groupJid: j[0], messageId: `P${id}` }] }, crm);
    }
    await post("/rpc/record_message_sent", { campaignId: oldSending, sends: [{ groupJid: c[0], messageId: `P${oldSending}` }] }, crm);
    await db.query(`update notification_campaigns set finished_at = ${old}, created_at = ${old} where id = any($1)`, [[oldDone]]);
    await db.query(`update notification_campaigns set created_at = ${old} where id = $1`, [oldSending]);
    const tag = uniqueSession("ret");
    await db.query(
      `insert into message_error_quarantine (code, reason, raw, received_at, last_received_at, resolved_at, resolution) values
      ('invalid_event', $1, '{}', ${old}, ${old}, ${old}, 'dismissed'), ('invalid_event', $1, '{}', ${old}, ${old}, null, null),
      ('invalid_event', $1, '{}', now(), now(), now(), 'dismissed'),
      ('invalid_event', $1, '{}', now() - interval '10 days', now() - interval '10 days', null, null),
      -- A body a gateway still retries: first seen long ago, last seen today. Kept.
      ('invalid_event', $1, '{}', ${old}, now(), null, null)`,
      [tag],
    );
    await db.query(
      `insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at) values
      ($1::text, $1::text || 'a', '{}', 'applied', ${old}, null), ($1::text, $1::text || 'b', '{}', 'pending_match', ${old}, ${old}),
      ($1::text, $1::text || 'c', '{}', 'pending_match', ${old}, null), ($1::text, $1::text || 'd', '{}', 'applied', now(), null)`,
      [tag],
    );
    await db.query(
      `insert into message_status_inbox (session_id, message_id, delivered_at, updated_at) values ($1::text, $1::text || 'x', now(), ${old}), ($1::text, $1::text || 'y', now(), now())`,
      [tag],
    );

    const exists = async (sql: string, p: unknown[]) => (await db.query(sql, p)).rows.map((r) => Object.values(r)[0]);
    // An Idempotency-Key answered two days ago (the policy keeps a day) and one answered now.
    const { sessionId: idemSession, jids: idemJids } = await seedSession(gw["x-api-key"]!, 1, "retidem");
    const idemBody = { name: "idem", message: "m", sessionId: idemSession, groupJids: idemJids };
    const [oldKey, newKey_] = [`old-${tag}`, `new-${tag}`];
    const first = await post("/rpc/create_campaign", idemBody, { ...crm, "idempotency-key": oldKey });
    await post("/rpc/create_campaign", { ...idemBody, name: "idem2" }, { ...crm, "idempotency-key": newKey_ });
    await db.query("update idempotency_keys set created_at = now() - interval '2 days' where key = $1", [oldKey]);

    const out = execFileSync("npx", ["tsx", "scripts/db-prune.ts"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: dbUrl },
      encoding: "utf8",
    });
    const { deleted } = JSON.parse(out.trim().split("\n").pop()!);
    expect(deleted.finished_campaigns).toBeGreaterThanOrEqual(1);
    expect(deleted.idempotency_keys).toBeGreaterThanOrEqual(1);
    expect(await exists("select key::text from idempotency_keys where key = any($1)", [[oldKey, newKey_]])).toEqual([newKey_]);
    // The pruned key no longer replays: the same call under it is a new call.
    const again = await post("/rpc/create_campaign", idemBody, { ...crm, "idempotency-key": oldKey });
    expect([again.status, again.json.campaignId === first.json.campaignId]).toEqual([200, false]);

    expect(
      await exists("select id::int from notification_campaigns where id = any($1) order by id", [[oldDone, newDone, oldSending]]),
    ).toEqual([newDone, oldSending]);
    expect(await exists("select count(*)::int from notification_campaign_groups where campaign_id = $1", [oldDone])).toEqual([0]);
    expect(await exists("select count(*)::int from message_error_quarantine where reason = $1", [tag])).toEqual([3]);
    expect(await exists("select message_id::text from message_error_inbox where session_id = $1 order by 1", [tag])).toEqual([
      `${tag}c`,
      `${tag}d`,
    ]);
    expect(await exists("select message_id::text from message_status_inbox where message_id like $1 || '%'", [tag])).toEqual([`${tag}y`]);
    await totalsAddUp(newDone);
    await totalsAddUp(oldSending);
  });
});

describe("npm run ops:report", () => {
  it("renders a campaign's progress over time and its failures by error code as an SVG", async () => {
    const { sessionId, jids, campaignId } = await campaign(4, "report");
    await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], messageId: `G${campaignId}a` },
          { groupJid: jids[1], messageId: `G${campaignId}b` },
          { groupJid: jids[2], errorCode: 420 },
          { groupJid: jids[3], errorCode: 421 },
        ],
      },
      crm,
    );
    await post("/rpc/record_message_status", { sessionId, messageId: `G${campaignId}a`, status: "read" }, gw);
    const { svg } = report(campaignId, ["--tz", "UTC"]);
    expect(svg.startsWith("<svg")).toBe(true);
    for (const text of ["Failures by error code", "420", "421", "delivered", "read", "sent", `Campaign ${campaignId}`]) {
      expect(svg, text).toContain(text);
    }
  });

  // Three sends at 13:10, 13:24 and 13:40 (UTC) and a failure at 13:24: what the picture must show.
  async function sendsAt10_24_40() {
    const { jids, campaignId } = await campaign(4, "reportclock");
    await post(
      "/rpc/record_message_sent",
      {
        campaignId,
        sends: [
          { groupJid: jids[0], messageId: `C${campaignId}a` },
          { groupJid: jids[1], messageId: `C${campaignId}b` },
          { groupJid: jids[2], messageId: `C${campaignId}c` },
          { groupJid: jids[3], errorCode: 420 },
        ],
      },
      crm,
    );
    await db.query(
      `update wa_data.notification_campaign_groups
       set sent_at = case group_jid when $2 then timestamptz '2026-12-07 13:10:00Z' when $3 then timestamptz '2026-12-07 13:24:00Z'
                                    when $4 then timestamptz '2026-12-07 13:40:00Z' end,
           failed_at = case when status = 'failed' then timestamptz '2026-12-07 13:24:00Z' end
       where campaign_id = $1`,
      [campaignId, jids[0], jids[1], jids[2]],
    );
    return campaignId;
  }

  it("chooses its time bin from the campaign's span and says it: sends at :10, :24 and :40 are three points", async () => {
    const campaignId = await sendsAt10_24_40();
    const { svg } = report(campaignId, ["--tz", "UTC"]);
    // 30 minutes: 1-minute bins (at most MAX_BINS across the span), named on the axis and in the title.
    expect(axes(svg).map((a) => a.title)).toContain("time (UTC), 1-minute bins");
    expect(svg).toContain("Groups over time (cumulative, 1-minute bins)");
    const r = await campaignReport(dbUrl, campaignId, { timeZone: "UTC" });
    expect(r.bin).toEqual({ seconds: 60, label: "1-minute" });
    const sent = (r.spec as { hconcat: { data: { values: { t: string; step: string; n: number }[] } }[] }).hconcat[0]!.data.values.filter(
      (v) => v.step === "sent",
    );
    expect(sent).toEqual([
      { t: "2026-12-07T13:10:00Z", step: "sent", n: 1 },
      { t: "2026-12-07T13:24:00Z", step: "sent", n: 2 },
      { t: "2026-12-07T13:40:00Z", step: "sent", n: 3 },
    ]);
    // Other spans, other bins: never more than MAX_BINS of them, never a coarser one than needed.
    for (const [span, label] of [
      [0, "1-second"],
      [40, "1-second"],
      [3 * 3600, "5-minute"],
      [2 * 86400, "1-hour"],
      [30 * 86400, "1-day"],
    ] as const) {
      expect(chooseBin(span).label, `span ${span} s`).toBe(label);
      expect(Math.ceil(span / chooseBin(span).seconds)).toBeLessThanOrEqual(MAX_BINS);
    }
  });

  it("shows 24-hour clock times in the zone it names (--tz, else the machine's)", async () => {
    const campaignId = await sendsAt10_24_40();
    const utc = axes(report(campaignId, ["--tz", "UTC"]).svg).find((a) => a.title.startsWith("time"))!;
    expect(utc.title).toBe("time (UTC), 1-minute bins");
    expect(utc.labels.length).toBeGreaterThan(2);
    for (const label of utc.labels) expect(label).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
    expect(utc.labels).toContain("13:20"); // not 01:20
    const saoPaulo = report(campaignId, ["--tz", "America/Sao_Paulo"]).svg; // UTC-3, no DST since 2019
    const local = axes(saoPaulo).find((a) => a.title.startsWith("time"))!;
    expect(local.title).toBe("time (America/Sao_Paulo), 1-minute bins");
    expect(local.labels).toContain("10:20");
    expect(saoPaulo).toContain("from 2026-12-07 10:10 America/Sao_Paulo");
    expect(() => report(campaignId, ["--tz", "Mars/Olympus"])).toThrow(/not a time zone/);
  });

  it("draws failures in a colour of their own, and counts whole groups (integer ticks)", async () => {
    const campaignId = await sendsAt10_24_40();
    const { svg } = report(campaignId, ["--tz", "UTC"]);
    const colours = legend(svg);
    expect(Object.keys(colours)).toEqual(["sent", "delivered", "read", "failed", "cancelled"]);
    expect(new Set(Object.values(colours)).size).toBe(5);
    expect(colours.failed).toBe(STEP_COLOURS.failed);
    expect(colours.sent).toBe(STEP_COLOURS.sent);
    // The failures' bars are the failed colour, not the default blue of a sent line.
    const bars = [...svg.matchAll(/aria-roledescription="bar"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(bars.length).toBeGreaterThan(0);
    expect(new Set(bars)).toEqual(new Set([STEP_COLOURS.failed]));
    // 3 sends and 1 failure: small counts, where a default axis ticks 0.5 groups.
    const counts = axes(svg).filter((a) => a.title === "groups");
    expect(counts).toHaveLength(2);
    for (const a of counts) {
      expect(a.labels.length).toBeGreaterThan(1);
      for (const label of a.labels) expect(label).toMatch(/^\d+$/);
    }
  });

  it("writes where --out says, else into a new temporary directory it prints, never the current directory", async () => {
    const campaignId = await sendsAt10_24_40();
    const cwd = mkdtempSync(join(tmpdir(), "wa-report-cwd-"));
    const out = execFileSync(
      join(repoRoot, "node_modules", ".bin", "tsx"),
      [join(repoRoot, "scripts", "ops-report.ts"), String(campaignId)],
      {
        cwd,
        env: { ...process.env, DATABASE_URL: dbUrl },
        encoding: "utf8",
      },
    );
    const file = /^wrote (\S+\.svg) /.exec(out)?.[1];
    expect(file, out).toBeDefined();
    expect(file!.startsWith(join(tmpdir(), "wa-report-"))).toBe(true);
    expect(readFileSync(file!, "utf8").startsWith("<svg")).toBe(true);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(repoRoot).filter((f) => f.endsWith(".svg"))).toEqual([]);
  });
});

/** Runs the CLI with --out into a fresh directory; returns the SVG and what it printed. */
function report(campaignId: number, args: string[] = []): { svg: string; stdout: string } {
  const file = join(mkdtempSync(join(tmpdir(), "wa-report-")), "c.svg");
  try {
    const stdout = execFileSync(
      join(repoRoot, "node_modules", ".bin", "tsx"),
      ["scripts/ops-report.ts", String(campaignId), "--out", file, ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: dbUrl },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    return { svg: readFileSync(file, "utf8"), stdout };
  } catch (e) {
    throw new Error(String((e as { stderr?: string }).stderr ?? e));
  }
}

/** Each axis of a Vega SVG: its title (from its aria-label) and its tick labels. */
function axes(svg: string): { title: string; labels: string[] }[] {
  const starts = [...svg.matchAll(/<g class="mark-group role-axis"[^>]*aria-label="[XY]-axis titled '([^']*)'/g)];
  return starts.map((m, i) => {
    const chunk = svg.slice(m.index, starts[i + 1]?.index ?? svg.length);
    const labels = /<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/.exec(chunk)?.[1] ?? "";
    return { title: m[1]!, labels: [...labels.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!) };
  });
}

/** The legend of a Vega SVG: each label with its symbol's fill. */
function legend(svg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of svg.matchAll(
    /<g class="mark-symbol role-legend-symbol"[^>]*><path[^>]*fill="([^"]+)"[^>]*\/><\/g><g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]*)<\/text>/g,
  )) {
    out[m[2]!] = m[1]!;
  }
  return out;
}
