-- The work behind api.create_campaign (and api.retry_failed_groups): a campaign and one pending
-- row per target group, in one call.
create or replace function internal.create_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  payload constant jsonb := $1;
  session text := payload ->> 'sessionId';
  jids jsonb := payload -> 'groupJids';
  target_ids bigint[];
  target_jids text[];
  target_names text[];
  initial_status text := coalesce(payload ->> 'status', 'draft');
  send_before timestamptz := internal.event_time(payload -> 'sendBefore');
  bad record;
  new_id bigint;
  total integer;
  cached_mode constant text := current_setting('plan_cache_mode');
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body',
      'The body must be a JSON object: {"name", "message", "sessionId", "groupJids": [...]}.');
  end if;
  if jsonb_typeof(payload -> 'name') is distinct from 'string' or not internal.conforms(payload ->> 'name', 'CampaignName') then
    perform internal.raise_api_error(422, 'invalid_name', format('name must be %s.', internal.describe_value('CampaignName')));
  end if;
  if jsonb_typeof(payload -> 'message') is distinct from 'string'
     or not internal.conforms(payload ->> 'message', 'CampaignMessage') then
    perform internal.raise_api_error(422, 'invalid_message',
      format('message must be %s.', internal.describe_value('CampaignMessage')));
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  if coalesce(jsonb_typeof(payload -> 'status'), 'null') not in ('string', 'null')
     or initial_status not in ('draft', 'scheduled') then
    perform internal.raise_api_error(422, 'invalid_status', 'status, when given, must be "draft" or "scheduled".');
  end if;
  if coalesce(jsonb_typeof(payload -> 'sendBefore'), 'null') <> 'null' and (send_before is null or send_before <= now()) then
    perform internal.raise_api_error(422, 'invalid_send_before',
      'sendBefore, when given, must be a time with its zone (ISO 8601, e.g. 2026-12-24T18:00:00Z, or epoch seconds) later than now.');
  end if;
  if exists (select from internal.restricted_sessions r where r.session_id = session) then
    perform internal.raise_api_error(409, 'session_restricted',
      format('Session %s is flagged as restricted by WhatsApp: no campaign can start from it.', session), null,
      'See api.sessions; clear the flag with POST /rpc/clear_session_restriction once the account may send again.');
  end if;
  if jsonb_typeof(jids) is distinct from 'array' then
    perform internal.raise_api_error(422, 'invalid_group_jids', 'groupJids must be an array of group JIDs.');
  end if;
  if jsonb_array_length(jids) = 0 then
    perform internal.raise_api_error(422, 'empty_group_list', 'groupJids must hold at least one group JID.');
  end if;
  if jsonb_array_length(jids) > internal.limit('groupsPerCampaign') then
    perform internal.raise_api_error(413, 'too_many_groups',
      format('At most %s groups per campaign; got %s.', internal.limit('groupsPerCampaign'), jsonb_array_length(jids)));
  end if;

  select idx - 1 as index into bad
  from jsonb_array_elements(jids) with ordinality t(j, idx)
  where jsonb_typeof(j) <> 'string' or not internal.conforms(j #>> '{}', 'GroupJid')
  order by idx limit 1;
  if found then
    perform internal.raise_api_error(422, 'invalid_group_jids',
      format('groupJids[%s] is not %s.', bad.index, internal.describe_value('GroupJid')),
      jsonb_build_object('index', bad.index));
  end if;

  select j #>> '{}' as jid into bad
  from jsonb_array_elements(jids) j group by 1 having count(*) > 1 limit 1;
  if found then
    perform internal.raise_api_error(422, 'duplicate_group_jid',
      format('Group %s appears more than once in groupJids.', bad.jid), jsonb_build_object('groupJid', bad.jid));
  end if;

  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(jids));

  -- Hold the targeted groups (key share, in id order) before deciding: a concurrent sync that
  -- deletes one (say, it became a community parent) either committed before, and the check below
  -- sees it gone, or waits until this campaign is created. Row locks: none in the shared lock table.
  -- (Payload joins are per-element index lookups: see "Plans that do not depend on statistics"
  -- in docs/design.md. LIMIT 1 keeps each lookup a lookup: the planner cannot flatten it.)
  -- (Rows picked by an array variable, never `any(array(<subquery>))`: docs/design.md.)
  target_ids := array(
    select g.id from jsonb_array_elements_text(jids) j
    cross join lateral (select w2.id from wa_data.whatsapp_groups w2
                        where w2.session_id = session and w2.group_jid = j limit 1) g);
  perform from wa_data.whatsapp_groups w
  where w.session_id = session and w.id = any(target_ids)
  order by w.id
  for key share;

  -- The JIDs that are not active, sendable groups of the session, found per element as well.
  select count(*) as n, jsonb_agg(jid order by jid) filter (where rn <= 100) as sample into bad
  from (select j as jid, row_number() over (order by j) as rn
        from jsonb_array_elements_text(jids) j
        left join lateral (select true as ok from wa_data.whatsapp_groups w2
                           where w2.session_id = session and w2.group_jid = j
                             and internal.group_is_sendable(w2.inactive_since, w2.is_community)
                             and not exists (select from internal.unsendable_groups u
                                             where u.session_id = w2.session_id and u.group_jid = w2.group_jid)
                           limit 1) w on true
        where w.ok is null) missing;
  if bad.n > 0 then
    perform internal.raise_api_error(422, 'unsendable_groups',
      format('%s of the groupJids are not active, sendable groups of session %s.', bad.n, session),
      jsonb_build_object('count', bad.n, 'groupJids', bad.sample),
      'Sync the session''s groups first; community parents, inactive groups and groups an error code made unsendable cannot be targeted.');
  end if;

  insert into wa_data.notification_campaigns (name, message, session_id, status, api_key_id, send_before)
  values (payload ->> 'name', payload ->> 'message', session, initial_status, internal.api_key_id(), send_before)
  returning id into new_id;

  -- The targets, found per element (a lateral index lookup on the key (session, jid), whatever the
  -- statistics: docs/design.md); then one INSERT for any number of groups, so the totals trigger
  -- runs once for all of them. Two statements, because Citus routes the lookup (a SELECT naming
  -- its session) but refuses a lateral LIMIT inside an INSERT … SELECT (docs/citus.md, item 13).
  -- (As `group_jid = any(<array>)` a generic plan on fresh statistics scanned the session's groups
  -- and searched the array for each: 100,000 groups × 10,000 JIDs took over a minute.)
  select array_agg(w.id order by j.n), array_agg(w.group_jid::text order by j.n), array_agg(w.name::text order by j.n)
    into target_ids, target_jids, target_names
  from jsonb_array_elements_text(jids) with ordinality j(jid, n)
  cross join lateral (select w2.id, w2.group_jid, w2.name from wa_data.whatsapp_groups w2
                      where w2.session_id = session and w2.group_jid = j.jid limit 1) w;
  -- The insert reads no table itself, but its foreign-key checks run once per row with plans of
  -- their own, which a custom plan mode would plan again for every row (10,000 rows: about 0.4 s):
  -- they keep the cached mode.
  perform set_config('plan_cache_mode', cached_mode, true);
  insert into wa_data.notification_campaign_groups (campaign_id, group_id, group_jid, group_name, session_id)
  select new_id, t.id, t.jid, t.name, session
  from unnest(target_ids, target_jids, target_names) t(id, jid, name);
  get diagnostics total = row_count;

  return jsonb_build_object('campaignId', new_id, 'totalGroups', total, 'status', initial_status);
end
$$;
revoke all on function internal.create_campaign(jsonb) from public;
