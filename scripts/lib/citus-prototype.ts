// CITUS PROTOTYPE — not for merging as it is. What docs/citus.md marks "proved", applied to a
// Citus test cluster only (npm run test:citus with CITUS_PROTOTYPE=1), after migrate and before
// db:distribute: the schema changes that change guarantees (message id unique per session,
// sessionId required on ACKs) and the function edits, written as replacements in the current
// files of db/functions (nothing copied: an edit that no longer finds its text fails loudly, which
// says what the rewrite in progress changed). Single-node PostgreSQL never sees any of it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withClient } from "./db.js";
import { repoRoot } from "./paths.js";

/** docs/citus.md items 3, 5, 6, 7, 8: keys with session_id, locks per session, FKs without SET NULL. */
const SCHEMA = `
alter type internal.campaign_row_change add attribute session_id text;
alter table wa_data.notification_campaign_groups drop constraint notification_campaign_groups_group_id_fkey,
  add constraint notification_campaign_groups_group_id_fkey foreign key (group_id, session_id)
    references wa_data.whatsapp_groups (id, session_id);
alter table wa_data.message_error_inbox drop constraint message_error_inbox_campaign_group_id_fkey;
alter table wa_data.notification_campaign_groups drop constraint notification_campaign_groups_pkey,
  add constraint notification_campaign_groups_pkey primary key (id, session_id);
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key on wa_data.notification_campaign_groups (message_id, session_id);
alter table wa_data.message_error_inbox alter column session_id set not null,
  drop constraint message_error_inbox_pkey, add constraint message_error_inbox_pkey primary key (id, session_id),
  add constraint message_error_inbox_campaign_group_id_fkey foreign key (campaign_group_id, session_id)
    references wa_data.notification_campaign_groups (id, session_id);
alter table wa_data.message_status_inbox alter column session_id set not null,
  drop constraint message_status_inbox_pkey, add constraint message_status_inbox_pkey primary key (id, session_id);
drop index wa_data.message_status_inbox_message_session_key;
create unique index message_status_inbox_message_session_key on wa_data.message_status_inbox (message_id, session_id);
alter table wa_data.message_id_locks add column session_id internal.session_id not null,
  drop constraint message_id_locks_pkey, add constraint message_id_locks_pkey primary key (session_id, message_id);
`;

/** A replacement of the first occurrence, or of every one ("all"). */
type Edit = [from: string, to: string, all?: "all"];
const sessionRows = "r2.session_id = campaign.session_id and r2.campaign_id = campaign.id and r2.group_jid";

/** Per file: the replacements (docs/citus.md item numbers in the comments). */
const EDITS: Record<string, Edit[]> = {
  "api.sync_groups.sql": [
    // 12: the id-keyed delete and update name the session
    [
      "    delete from wa_data.whatsapp_groups w\n    where w.id = any(array(",
      "    delete from wa_data.whatsapp_groups w\n    where w.session_id = session and w.id = any(array(",
    ],
    [
      "    where w.id = any(array(select existing_id from classified",
      "    where w.session_id = session and w.id = any(array(select existing_id from classified",
    ],
    // 11: INSERT … SELECT, not a subquery in VALUES
    [
      "    values (session, now(), (select count(*) from classified), internal.api_key_id())",
      "    select session, now(), count(*), internal.api_key_id() from classified",
    ],
  ],
  "internal.create_campaign.sql": [
    [
      "  perform from wa_data.whatsapp_groups w\n  where w.id = any(array(",
      "  perform from wa_data.whatsapp_groups w\n  where w.session_id = session and w.id = any(array(",
    ], // 12
    [
      `  from jsonb_array_elements_text(jids) j
  cross join lateral (select w2.id, w2.group_jid, w2.name, w2.session_id from wa_data.whatsapp_groups w2
                      where w2.session_id = session and w2.group_jid = j limit 1) w;`,
      `  from wa_data.whatsapp_groups w
  where w.session_id = session and w.group_jid = any(array(select jsonb_array_elements_text(jids)));`,
    ], // 13
  ],
  "internal.tg_campaign_groups__totals.sql": [
    // 5: the change carries its session
    [
      "count(read_at))::internal.campaign_row_change\n      from new_rows group by campaign_id, status",
      "count(read_at), session_id)::internal.campaign_row_change\n      from new_rows group by campaign_id, status, session_id",
    ],
    [
      "-count(read_at))::internal.campaign_row_change\n      from old_rows group by campaign_id, status",
      "-count(read_at), session_id)::internal.campaign_row_change\n      from old_rows group by campaign_id, status, session_id",
    ],
    ["sum(read))::internal.campaign_row_change", "sum(read), session_id)::internal.campaign_row_change"],
    ["from (select campaign_id, status, 1 as n,", "from (select campaign_id, session_id, status, 1 as n,"],
    ["select campaign_id, status, -1,", "select campaign_id, session_id, status, -1,"],
    ["      group by campaign_id, status));\n  end if;", "      group by campaign_id, status, session_id));\n  end if;"],
  ],
  "internal.apply_campaign_row_changes.sql": [
    // 5: one router statement per session; 14: now() out of CASE
    [
      "as $$\nbegin\n  with delta as (",
      "as $$\ndeclare\n  s text;\n  at_now constant timestamptz := now();\nbegin\n  for s in select distinct x.session_id from unnest(changes) x order by 1 loop\n  with delta as (",
    ],
    [
      "    from unnest(changes)\n    group by campaign_id",
      "    from unnest(changes) x\n    where x.session_id = s\n    group by campaign_id",
    ],
    ["    where c.id in (select campaign_id from delta", "    where c.session_id = s and c.id in (select campaign_id from delta"],
    ["then coalesce(c.finished_at, now()) end", "then coalesce(c.finished_at, at_now) end"],
    [
      "  where d.campaign_id = c.id and c.id in (select id from locked);\nend",
      "  where c.session_id = s and d.campaign_id = c.id and c.id in (select id from locked);\n  end loop;\nend",
    ],
  ],
  "api.cancel_campaign.sql": [
    // 12, 14
    ["  cancelled integer;\nbegin", "  cancelled integer;\n  at_now constant timestamptz := now();\nbegin"],
    [
      "  where r.campaign_id = campaign.id and r.status = 'pending'",
      "  where r.session_id = campaign.session_id and r.campaign_id = campaign.id and r.status = 'pending'",
    ],
    [
      "  where campaign_id = campaign.id and status = 'pending';",
      "  where session_id = campaign.session_id and campaign_id = campaign.id and status = 'pending';",
    ],
    ["finished_at = coalesce(finished_at, now())", "finished_at = coalesce(finished_at, at_now)"],
    [
      "  where id = campaign.id\n  returning * into campaign;",
      "  where session_id = campaign.session_id and id = campaign.id\n  returning * into campaign;",
    ],
  ],
  "internal.record_message_error.sql": [
    // 6 (locks per session), 3 (the session required to match), 14
    [
      `  perform internal.lock_message_ids(array(
    select p.message_id from jsonb_array_elements(events) e, internal.parse_message_error(e, scope) p
    where p.problem_code is null));`,
      `  perform internal.lock_message_ids(x.session_id, x.ids)
  from (select p.session_id, array_agg(p.message_id) as ids
        from jsonb_array_elements(events) e, internal.parse_message_error(e, scope) p
        where p.problem_code is null group by 1 order by 1) x;`,
    ],
    [
      `                        where r2.message_id = v.message_id
                          and (v.session_id is null or r2.session_id = v.session_id)`,
      `                        where r2.session_id = v.session_id and r2.message_id = v.message_id`,
    ],
  ],
  "internal.event_session.sql": [
    // 3, deprecation 2: no lookup by message id alone (no session, no route)
    [
      `                case when scope is not null then
                  (select r.session_id from wa_data.notification_campaign_groups r
                   where r.message_id = event_session.message_id and r.session_id = any(scope) limit 1) end);`,
      "                null::text);",
    ],
  ],
  "internal.note_gateway.sql": [
    // 10: PL/pgSQL, not SQL
    ["language sql volatile", "language plpgsql volatile"],
    ["as $$\n  update", "as $$\nbegin\n  update"],
    ["for no key update);\n$$;", "for no key update);\nend\n$$;"],
  ],
  "internal.campaign_of.sql": [
    // 12: found unlocked by id, then locked by (session_id, id)
    [
      `    select * into campaign from wa_data.notification_campaigns
    where notification_campaigns.id = wanted for no key update;`,
      `    select * into campaign from wa_data.notification_campaigns where notification_campaigns.id = wanted;
    if found then
      select * into campaign from wa_data.notification_campaigns
      where notification_campaigns.session_id = campaign.session_id and notification_campaigns.id = wanted for no key update;
    end if;`,
    ],
  ],
  "internal.lock_message_ids.sql": [
    // 6, 16
    ["internal.lock_message_ids(ids text[])", "internal.lock_message_ids(session text, ids text[])"],
    ["internal.lock_message_ids(text[])", "internal.lock_message_ids(text, text[])"],
    [
      "insert into wa_data.message_id_locks (message_id)\n  select distinct id from",
      "insert into wa_data.message_id_locks (session_id, message_id)\n  select distinct session, id from",
    ],
    ["order by 1\n", "order by 2\n"],
    ["on conflict (message_id) do update", "on conflict (session_id, message_id) do update"],
  ],
  "api.record_message_sent.sql": [
    // 12, 13 (session on every lookup), 14, 16, 3 (message id per session)
    ["  counts record;\nbegin", "  counts record;\n  at_now constant timestamptz := now();\nbegin"],
    ["r2.campaign_id = campaign.id and r2.group_jid", sessionRows, "all"],
    [
      "where r.campaign_id = campaign.id and r.group_jid = s ->> 'groupJid' limit 1) r on true",
      "where r.session_id = campaign.session_id and r.campaign_id = campaign.id and r.group_jid = s ->> 'groupJid' limit 1) r on true",
    ],
    ["perform internal.lock_message_ids(array(", "perform internal.lock_message_ids(campaign.session_id, array("],
    [
      "  perform from wa_data.notification_campaign_groups r\n  where r.id = any(array(",
      "  perform from wa_data.notification_campaign_groups r\n  where r.session_id = campaign.session_id and r.id = any(array(",
    ],
    [
      "where r2.message_id = s ->> 'messageId' limit 1) r",
      "where r2.session_id = campaign.session_id and r2.message_id = s ->> 'messageId' limit 1) r",
    ],
    ["and (i.session_id is null or i.session_id = campaign.session_id)", "and i.session_id = campaign.session_id"],
    ["and (p2.session_id is null or p2.session_id = campaign.session_id)) p on true", "and p2.session_id = campaign.session_id) p on true"],
    ["    where r.id = t.row_id\n", "    where r.session_id = campaign.session_id and r.id = t.row_id\n"],
    ["    where i.id = w.inbox_id\n", "    where i.session_id = campaign.session_id and i.id = w.inbox_id\n"],
    [
      "select * into campaign from wa_data.notification_campaigns where id = campaign.id;",
      "select * into campaign from wa_data.notification_campaigns where session_id = campaign.session_id and id = campaign.id;",
    ],
    ["sent_at = case when t.message_id is not null then now() end", "sent_at = case when t.message_id is not null then at_now end"],
    [
      "failed_at = case when t.message_id is null or t.inbox_ids is not null then now() end",
      "failed_at = case when t.message_id is null or t.inbox_ids is not null then at_now end",
    ],
    ["internal.not_before(t.delivered_at, now())", "internal.not_before(t.delivered_at, at_now)"],
    ["internal.not_before(t.read_at, now())", "internal.not_before(t.read_at, at_now)"],
  ],
};

const PLAN_CACHE = /^set plan_cache_mode = force_generic_plan\n/m; // docs/citus.md item 9

function edited(file: string): string {
  let src = readFileSync(join(repoRoot, "db", "functions", file), "utf8").replace(PLAN_CACHE, "");
  for (const [from, to, all] of EDITS[file]!) {
    if (!src.includes(from)) throw new Error(`CITUS PROTOTYPE: ${file} no longer holds ${JSON.stringify(from.slice(0, 80))}`);
    src = all ? src.split(from).join(to) : src.replace(from, () => to);
  }
  return src;
}

/** The prototype's functions (again after every migrate) and no generic plans anywhere (item 9). */
export async function applyPrototypeFunctions(url: string) {
  await withClient(url, async (c) => {
    for (const file of Object.keys(EDITS)) await c.query(edited(file));
    const { rows } = await c.query<{ f: string }>(
      "select p.oid::regprocedure::text as f from pg_proc p where array_to_string(p.proconfig, ',') like '%plan_cache_mode=force_generic_plan%'",
    );
    for (const { f } of rows) await c.query(`alter function ${f} reset plan_cache_mode`);
  });
}

/** The schema half, once, after migrate and before db:distribute. */
export async function applyPrototype(url: string) {
  await withClient(url, (c) => c.query(SCHEMA));
  await applyPrototypeFunctions(url);
}
