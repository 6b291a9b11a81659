-- Benchmark only: api.sync_groups written the straightforward way, joining the payload with the
-- table (left join, NOT EXISTS) and leaving the plan to the statistics, without the rule of
-- docs/design.md "Plans that do not depend on statistics". bench/scenarios/stale-statistics.ts
-- runs it next to api.sync_groups on a table whose statistics are stale, as after a big first sync.
create or replace function internal.bench_sync_groups_joins(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  payload constant jsonb := $1;
  session text := payload ->> 'sessionId';
  groups jsonb := payload -> 'groups';
  bad record;
  first_problem jsonb;
  compact jsonb;
  result jsonb;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body',
      'The body must be a JSON object: {"sessionId": "...", "groups": [...]}.');
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  if jsonb_typeof(groups) is distinct from 'array' then
    perform internal.raise_api_error(422, 'invalid_groups', 'groups must be an array of group objects.');
  end if;
  if coalesce(jsonb_typeof(payload -> 'allowEmpty'), 'null') not in ('boolean', 'null') then
    perform internal.raise_api_error(422, 'invalid_allow_empty', 'allowEmpty must be true or false when given.');
  end if;
  -- An empty list deactivates every group of the session: a transient empty fetch from the
  -- gateway must not make a whole account unsendable, so it takes an explicit allowEmpty.
  if jsonb_array_length(groups) = 0 and (payload -> 'allowEmpty') is distinct from 'true'::jsonb then
    perform internal.raise_api_error(422, 'empty_group_list',
      format('groups is empty: that would deactivate every group of session %s.', session), null,
      'Send "allowEmpty": true if the session really is in no group any more.');
  end if;
  if jsonb_array_length(groups) > internal.limit('groupsPerSync') then
    perform internal.raise_api_error(413, 'too_many_groups',
      format('At most %s groups per sync; got %s.', internal.limit('groupsPerSync'), jsonb_array_length(groups)));
  end if;

  -- One pass over the payload (it may be tens of MB of participant lists): find the first
  -- invalid group, and keep of each group only what is stored, as a compact array the rest of
  -- the function works on.
  select (array_agg(jsonb_build_object('index', t.idx - 1, 'problem', p.problem) order by t.idx)
            filter (where p.problem is not null))[1],
         jsonb_agg(jsonb_build_object(
            'jid', g ->> 'id', 'idx', t.idx - 1, 'name', g ->> 'subject',
            'participant_count', coalesce((g ->> 'size')::integer, jsonb_array_length(g -> 'participants'), 0),
            'is_community', coalesce((g ->> 'isCommunity')::boolean, false),
            'is_community_announce', coalesce((g ->> 'isCommunityAnnounce')::boolean, false),
            'linked_parent_jid', nullif(g ->> 'linkedParent', ''),
            'announce', coalesce((g ->> 'announce')::boolean, false)) order by t.idx)
            filter (where p.problem is null)
    into first_problem, compact
  from jsonb_array_elements(groups) with ordinality t(g, idx)
  cross join lateral (select case
      when jsonb_typeof(g) <> 'object' then 'invalid_group'
      when jsonb_typeof(g -> 'id') is distinct from 'string' or not internal.conforms(g ->> 'id', 'GroupJid')
        then 'invalid_group_jid'
      when coalesce(jsonb_typeof(g -> 'isCommunity'), 'null') not in ('boolean', 'null') then 'invalid_group_field:isCommunity'
      when coalesce(jsonb_typeof(g -> 'isCommunityAnnounce'), 'null') not in ('boolean', 'null') then 'invalid_group_field:isCommunityAnnounce'
      when coalesce(jsonb_typeof(g -> 'announce'), 'null') not in ('boolean', 'null') then 'invalid_group_field:announce'
      when coalesce(jsonb_typeof(g -> 'restrict'), 'null') not in ('boolean', 'null') then 'invalid_group_field:restrict'
      when coalesce(jsonb_typeof(g -> 'subject'), 'null') not in ('string', 'null')
           or not internal.conforms(g ->> 'subject', 'GroupSubject') then 'invalid_group_field:subject'
      when coalesce(jsonb_typeof(g -> 'linkedParent'), 'null') not in ('string', 'null')
           or not internal.conforms(nullif(g ->> 'linkedParent', ''), 'Jid') then 'invalid_group_field:linkedParent'
      when coalesce(jsonb_typeof(g -> 'participants'), 'null') not in ('array', 'null') then 'invalid_group_field:participants'
      when coalesce(jsonb_typeof(g -> 'size'), 'null') not in ('number', 'null') then 'invalid_group_field:size'
      -- Only reached for numbers (or null), so the cast is safe.
      when (g ->> 'size')::numeric not between 0 and 2147483647
           or (g ->> 'size')::numeric <> trunc((g ->> 'size')::numeric) then 'invalid_group_field:size'
    end as problem) p;
  -- The compact form of an invalid group is never built: the casts above only run for valid ones.
  select (first_problem ->> 'index')::int as index, split_part(first_problem ->> 'problem', ':', 1) as code,
         nullif(split_part(first_problem ->> 'problem', ':', 2), '') as field
    into bad
  where first_problem is not null;
  if found then
    perform internal.raise_api_error(422, bad.code,
      case bad.code
        when 'invalid_group' then format('groups[%s] is not an object.', bad.index)
        when 'invalid_group_jid' then format('groups[%s].id is not %s.', bad.index, internal.describe_value('GroupJid'))
        else format('groups[%s].%s has the wrong type or size.', bad.index, bad.field)
      end,
      jsonb_build_object('index', bad.index, 'field', coalesce(bad.field, 'id')));
  end if;

  select c.jid, jsonb_agg(c.idx order by c.idx) as indexes into bad
  from jsonb_to_recordset(coalesce(compact, '[]')) as c(jid text, idx integer)
  group by c.jid having count(*) > 1
  order by min(c.idx) limit 1;
  if found then
    perform internal.raise_api_error(422, 'duplicate_group_jid',
      format('Group %s appears more than once in groups.', bad.jid),
      jsonb_build_object('groupJid', bad.jid, 'indexes', bad.indexes));
  end if;

  -- Concurrent syncs of one session run one after the other (other sessions are not blocked).
  perform pg_advisory_xact_lock(hashtextextended('sync_groups:' || session, 0));

  with incoming as materialized (
    select * from jsonb_to_recordset(coalesce(compact, '[]')) as c(
      jid text, name text, participant_count integer, is_community boolean,
      is_community_announce boolean, linked_parent_jid text, announce boolean)
  ),
  classified as (
    select i.*, w.id as existing_id,
           case
             when w.id is null then 'inserted'
             when w.inactive_since is not null then 'reactivated'
             when (w.name, w.participant_count, w.is_community_announce, w.linked_parent_jid, w.announce)
                  is not distinct from
                  (i.name, i.participant_count, i.is_community_announce, i.linked_parent_jid, i.announce)
               then 'unchanged'
             else 'updated'
           end as change
    from incoming i
    left join wa_data.whatsapp_groups w on w.session_id = session and w.group_jid = i.jid
    where not i.is_community
  ),
  removed_parents as (
    delete from wa_data.whatsapp_groups w
    where w.session_id = session and w.group_jid in (select jid from incoming where is_community)
    returning w.id
  ),
  inserted as (
    insert into wa_data.whatsapp_groups
      (session_id, group_jid, name, participant_count, is_community_announce, linked_parent_jid, announce)
    select session, jid, name, participant_count, is_community_announce, linked_parent_jid, announce
    from classified where change = 'inserted'
    returning id
  ),
  -- Unchanged rows are not touched: a no-change sync writes no group row.
  updated as (
    update wa_data.whatsapp_groups w
    set name = c.name, participant_count = c.participant_count,
        is_community_announce = c.is_community_announce, linked_parent_jid = c.linked_parent_jid,
        announce = c.announce, inactive_since = null, updated_at = now()
    from classified c
    where w.session_id = session and w.id = c.existing_id and c.change in ('updated', 'reactivated')
    returning w.id
  ),
  deactivated as (
    update wa_data.whatsapp_groups w
    set inactive_since = now(), updated_at = now()
    where w.session_id = session and w.inactive_since is null
      and not exists (select from incoming i where i.jid = w.group_jid)
    returning w.id
  ),
  session_row as (
    insert into wa_data.whatsapp_sessions (session_id, last_synced_at, group_count)
    values (session, now(), (select count(*) from classified))
    on conflict (session_id) do update
      set last_synced_at = excluded.last_synced_at, group_count = excluded.group_count
    returning 1
  )
  select jsonb_build_object(
    'sessionId', session,
    'inserted', (select count(*) from inserted),
    'updated', (select count(*) from classified where change = 'updated'),
    'unchanged', (select count(*) from classified where change = 'unchanged'),
    'reactivated', (select count(*) from classified where change = 'reactivated'),
    'deactivated', (select count(*) from deactivated),
    'skippedParents', (select count(*) from incoming where is_community),
    'removedParents', (select count(*) from removed_parents),
    'total', jsonb_array_length(groups)
  ) into result;
  return result;
end
$$;
revoke all on function internal.bench_sync_groups_joins(jsonb) from public;
