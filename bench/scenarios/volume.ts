// npm run bench -- --volume [rows]: the hot paths on a database holding a history of `rows`
// campaign rows against a near-empty one, one build (the working tree) in two databases of one
// cluster, requests interleaved (bench/lib/ab.ts). The history is loaded in SQL, set-based
// (generate_series), not through the API: what years of use leave behind, in minutes.
import type { AbRow } from "../lib/ab.js";
import { runAb } from "../lib/ab.js";
import { workingTree } from "../lib/builds.js";
import { describeMachine } from "../lib/machine.js";
import { startSides, type Side } from "../lib/sides.js";
import { HOT_PATH_PLANS, hotPathCases } from "./hot-paths.js";

export interface VolumeResult {
  command: string;
  date: string;
  mode: string;
  machine: Record<string, string | number>;
  campaignRows: number;
  history: string;
  loadSeconds: number;
  rounds: number;
  results: AbRow[];
}

/** Shape of the history: campaigns of 1,000 groups, sessions of 2,000 groups. */
const CAMPAIGN = 1_000;
const SESSION = 2_000;
const CHUNK = 500_000;

/**
 * Loads `rows` campaign rows (95% sent, 5% failed; 60% delivered, 30% read) in campaigns of
 * 1,000 groups, with their sessions and groups (one group row per 30 campaign rows), one lock
 * row per message id, the error inbox (each failure's ACK, 2% duplicates, 1% never matched) and
 * the progress inbox (one row per delivered message). Triggers off while loading
 * (session_replication_role = replica); campaign totals are set from the rows, as the trigger keeps them.
 */
export async function loadHistory(side: Side, rows: number): Promise<string> {
  const campaigns = Math.ceil(rows / CAMPAIGN);
  const groups = Math.max(SESSION, Math.ceil(rows / 30 / SESSION) * SESSION);
  const sessions = groups / SESSION;
  const c = await side.db.connect();
  const q = (sql: string, params: unknown[] = []) => c.query(sql, params);
  try {
    await q("set session_replication_role = replica");
    await q(
      `insert into whatsapp_sessions (session_id, last_synced_at, group_count)
             select 'hist_' || s, now() - interval '1 hour', $2 from generate_series(1, $1::int) s`,
      [sessions, SESSION],
    );
    await q(
      `insert into whatsapp_groups (session_id, group_jid, name, participant_count, announce, first_seen_at, updated_at)
             select 'hist_' || (1 + (i - 1) / $2), '120363' || lpad((500000000 + i)::text, 12, '0') || '@g.us',
                    'Group ' || i, 10 + i % 200, i % 10 = 0, now() - interval '400 days', now() - interval '30 days'
             from generate_series(1, $1::int) i`,
      [groups, SESSION],
    );
    // Campaign c: session 1 + c % sessions, the first or second half of its groups, created a day apart going back.
    await q(
      `insert into notification_campaigns (name, message, session_id, status, created_at, updated_at, finished_at)
             select 'history ' || c, 'Hello from campaign ' || c, 'hist_' || (1 + c % $2),
                    'completed', now() - (c || ' hours')::interval, now() - (c || ' hours')::interval, now() - (c || ' hours')::interval
             from generate_series(0, $1::int - 1) c`,
      [campaigns, sessions],
    );
    // Groups were numbered in order: group k (0-based) of the history is firstGroup + k.
    const firstGroup = Number((await q("select min(id) as id from whatsapp_groups where session_id like 'hist\\_%'")).rows[0].id);
    const first = Number((await q("select min(id) as id from notification_campaigns where name like 'history %'")).rows[0].id);
    for (let from = 0; from < rows; from += CHUNK) {
      const to = Math.min(rows, from + CHUNK);
      // Row r (0-based): campaign r / 1000, its group (r % 1000) of the campaign's half of its session.
      await q(
        `insert into notification_campaign_groups
                 (campaign_id, group_id, group_jid, group_name, session_id, status, message_id, error_code, error_message,
                  sent_at, failed_at, delivered_at, read_at, updated_at)
               select $3::bigint + c, g.id, g.group_jid, g.name, g.session_id,
                      case when r % 20 = 7 then 'failed' else 'sent' end, 'HIST' || lpad(r::text, 12, '0'),
                      case when r % 20 = 7 then (array[420, 463, 479])[1 + r % 3] end,
                      case when r % 20 = 7 then 'error ' || (array[420, 463, 479])[1 + r % 3] end,
                      t, case when r % 20 = 7 then t + interval '2 seconds' end,
                      case when r % 20 <> 7 and r % 10 < 6 then t + interval '5 seconds' end,
                      case when r % 20 <> 7 and r % 10 < 3 then t + interval '1 minute' end, t
               from generate_series($1::bigint, $2::bigint - 1) r,
                    lateral (select r / ${CAMPAIGN} as c) cc,
                    lateral (select now() - (cc.c || ' hours')::interval as t) tt,
                    lateral (select w.id, w.group_jid, w.name, w.session_id from whatsapp_groups w
                             where w.id = $5::bigint + (cc.c % $4) * ${SESSION} + ((cc.c / $4) % 2) * ${CAMPAIGN} + r % ${CAMPAIGN}) g`,
        [from, to, first, sessions, firstGroup],
      );
      console.log(`  history: ${to.toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} campaign rows`);
    }
    await q(`insert into message_id_locks (message_id) select message_id from notification_campaign_groups
             where message_id like 'HIST%'`);
    // Error ACKs: one per failure (applied), a duplicate for 2% of rows; 1% of ACKs never matched a send.
    await q(`insert into message_error_inbox (received_at, session_id, message_id, group_jid, error_code, error_message,
               raw, raw_bytes, outcome, campaign_id, campaign_group_id)
             select r.failed_at, r.session_id, r.message_id, r.group_jid, r.error_code, r.error_message,
                    jsonb_build_object('event', 'message_error', 'sessionId', r.session_id, 'messageId', r.message_id,
                                       'groupJid', r.group_jid, 'errorCode', r.error_code), 160,
                    'applied', r.campaign_id, r.id
             from notification_campaign_groups r where r.status = 'failed' and r.message_id like 'HIST%'
             union all
             select r.sent_at + interval '3 seconds', r.session_id, r.message_id, r.group_jid, 420, 'late',
                    jsonb_build_object('messageId', r.message_id, 'errorCode', 420), 60, 'duplicate', r.campaign_id, r.id
             from notification_campaign_groups r where r.message_id like 'HIST%' and r.id % 50 = 3`);
    await q(
      `insert into message_error_inbox (received_at, session_id, message_id, error_code, raw, raw_bytes, outcome, expired_at)
             select now() - (i || ' minutes')::interval, 'hist_' || (1 + i % $2), 'ORPHAN' || i, 479,
                    jsonb_build_object('messageId', 'ORPHAN' || i, 'errorCode', 479), 50, 'pending_match',
                    case when i % 4 <> 0 then now() - interval '1 day' end
             from generate_series(1, $1::int) i`,
      [Math.ceil(rows / 100), sessions],
    );
    // Progress: one inbox row per delivered message (the earliest times, as record_message_status keeps them).
    await q(`insert into message_status_inbox (message_id, session_id, delivered_at, read_at, received_at, updated_at)
             select message_id, session_id, delivered_at, read_at, delivered_at, coalesce(read_at, delivered_at)
             from notification_campaign_groups where delivered_at is not null and message_id like 'HIST%'`);
    // Totals and status from the rows, as the totals trigger keeps them.
    await q(`update notification_campaigns c
             set total_groups = x.total, sent_count = x.sent, failed_count = x.failed, pending_count = 0,
                 delivered_count = x.delivered, read_count = x.read,
                 status = case when x.failed = 0 then 'completed' when x.sent = 0 then 'failed' else 'partial_failure' end
             from (select campaign_id, count(*)::int as total, count(*) filter (where status = 'sent')::int as sent,
                          count(*) filter (where status = 'failed')::int as failed,
                          count(delivered_at)::int as delivered, count(read_at)::int as read
                   from notification_campaign_groups group by campaign_id) x
             where x.campaign_id = c.id`);
    await q("set session_replication_role = origin");
    await q("vacuum analyze");
    const counts = (
      await q(`select (select count(*) from notification_campaign_groups) as rows,
        (select count(*) from notification_campaigns) as campaigns, (select count(*) from whatsapp_groups) as groups,
        (select count(*) from whatsapp_sessions) as sessions, (select count(*) from message_id_locks) as locks,
        (select count(*) from message_error_inbox) as errors, (select count(*) from message_status_inbox) as progress,
        pg_size_pretty(pg_database_size(current_database())) as size,
        (select count(*) from notification_campaigns c where total_groups <> (select count(*) from notification_campaign_groups r
           where r.campaign_id = c.id)) as wrong`)
    ).rows[0];
    if (Number(counts.wrong) !== 0) throw new Error("history: campaign totals do not match their rows");
    const n = (x: string) => Number(x).toLocaleString("en-US");
    return (
      `${n(counts.rows)} campaign rows in ${n(counts.campaigns)} campaigns, ${n(counts.groups)} groups in ` +
      `${n(counts.sessions)} sessions, ${n(counts.locks)} lock rows, ${n(counts.errors)} error-inbox and ` +
      `${n(counts.progress)} progress-inbox rows; database ${counts.size}`
    );
  } finally {
    c.release();
  }
}

export async function volume(rows: number, quick: boolean): Promise<VolumeResult> {
  const build = workingTree();
  const env = await startSides([
    { build, name: "A", label: `with history (${rows.toLocaleString("en-US")} campaign rows)` },
    { build, name: "B", label: "near-empty" },
  ]);
  try {
    const machine = await describeMachine(env.sides[0]!.adminUrl);
    const plan = HOT_PATH_PLANS[quick ? "quick" : "full"];
    console.log(`volume (${quick ? "quick" : "full"}): loading ${rows.toLocaleString("en-US")} campaign rows`);
    const t = performance.now();
    const history = await loadHistory(env.sides[0]!, rows);
    const loadSeconds = Math.round((performance.now() - t) / 1000);
    console.log(`  ${history} (${loadSeconds} s)`);
    const results = await runAb(env.sides[0]!, env.sides[1]!, hotPathCases(plan.perRound), plan.rounds);
    return {
      command: `npm run bench -- --volume ${rows}${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
      machine,
      campaignRows: rows,
      history,
      loadSeconds,
      rounds: plan.rounds,
      results,
    };
  } finally {
    await env.close();
  }
}
