-- POST /rpc/sync_groups: the gateway's group list for one session, as Baileys returns it.
-- No statement joins the payload with the table (docs/design.md, "Plans that do not depend on
-- statistics"): payload → table is a per-element index lookup, table → payload a key probe into
-- the payload as a jsonb object keyed by JID. Both cost the same whatever the statistics say.
create or replace function api.sync_groups(jsonb)
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
  groups jsonb := payload -> 'groups';
  bad record;
  first_problem jsonb;
  compact jsonb;
  -- The valid payload keyed by JID: {"<jid>": {name, ..., is_community}}.
  incoming jsonb;
  result jsonb;
  out_of_scope jsonb;
  parent_ids bigint[];
  new_jids text[];
  changed_ids bigint[];
  n_updated integer;
  n_unchanged integer;
  n_reactivated integer;
  n_groups integer;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    -- A bare list of groups (Evolution's fetchAllGroups answer, posted as it is) names no session.
    -- (A scalar body arrives as [], PostgREST's doing: no hint for that.)
    perform internal.raise_api_error(400, 'invalid_body',
      'The body must be a JSON object: {"sessionId": "...", "groups": [...]}.', null,
      case when jsonb_typeof(payload) = 'array' and jsonb_array_length(payload) > 0 then
        'A bare list of groups names no session: send {"sessionId": "<the session>", "groups": <the list>} '
        || '(the TypeScript client''s syncEvolutionGroups, syncWahaGroups and syncBaileysGroups do).'
      end);
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  -- A key bound to sessions syncs only those (docs/deployment.md, "Scoped gateway keys").
  out_of_scope := internal.refuse_out_of_scope(internal.session_scope(), array[session]);
  if out_of_scope is not null then
    perform internal.raise_api_error(403, 'session_not_allowed', out_of_scope ->> 'message', null, out_of_scope ->> 'hint');
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
            'participant_count', coalesce((g ->> 'size')::numeric::integer, jsonb_array_length(g -> 'participants'), 0),
            'is_community', coalesce((g ->> 'isCommunity')::boolean, false),
            'is_community_announce', coalesce((g ->> 'isCommunityAnnounce')::boolean, false),
            'linked_parent_jid', nullif(g ->> 'linkedParent', ''),
            'announce', coalesce((g ->> 'announce')::boolean, false)) order by t.idx)
            filter (where p.problem is null)
    into first_problem, compact
  from jsonb_array_elements(groups) with ordinality t(g, idx)
  -- The one set of group rules (internal.group_problem), as for the webhooks' group events.
  cross join lateral (select internal.group_problem(g) as problem offset 0) p;
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
  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(groups));

  select coalesce(jsonb_object_agg(c ->> 'jid', c - 'jid' - 'idx'), '{}') into incoming
  from jsonb_array_elements(compact) c;

  -- Stored groups that are community parents now (found per element): their campaign rows keep
  -- their history and let go of the group first (a plain foreign key: docs/citus.md).
  parent_ids := array(
    select p.id from jsonb_each(incoming) i
    cross join lateral (select w2.id from wa_data.whatsapp_groups w2
                        where w2.session_id = session and w2.group_jid = i.key limit 1) p
    where (i.value ->> 'is_community')::boolean);
  if cardinality(parent_ids) > 0 then
    perform internal.release_groups(session, parent_ids);
  end if;

  -- What each named group is to the stored ones (found per element), in one statement; the
  -- writes below pick their rows by the arrays it fills, never by `any(array(<subquery>))`: a
  -- large call's custom plan sees an array variable's values (an index condition on the key, or
  -- a hashed filter), while a subquery's array is unknown to every plan and is searched linearly
  -- for each of the session's rows (docs/design.md, "Plans that do not depend on statistics").
  select coalesce(array_agg(c.jid) filter (where c.change = 'inserted'), '{}'),
         coalesce(array_agg(c.existing_id) filter (where c.change in ('updated', 'reactivated')), '{}'),
         count(*) filter (where c.change = 'updated'),
         count(*) filter (where c.change = 'unchanged'),
         count(*) filter (where c.change = 'reactivated'),
         count(*)
    into new_jids, changed_ids, n_updated, n_unchanged, n_reactivated, n_groups
  from (
    select i.key as jid, w.id as existing_id,
           case
             when w.id is null then 'inserted'
             when w.inactive_since is not null then 'reactivated'
             when (w.name::text, w.participant_count, w.is_community_announce, w.linked_parent_jid::text, w.announce)
                  is not distinct from
                  (i.value ->> 'name', (i.value ->> 'participant_count')::integer, (i.value ->> 'is_community_announce')::boolean,
                   i.value ->> 'linked_parent_jid', (i.value ->> 'announce')::boolean)
               then 'unchanged'
             else 'updated'
           end as change
    from jsonb_each(incoming) i
    left join lateral (select w2.id, w2.inactive_since, w2.name, w2.participant_count, w2.is_community_announce,
                              w2.linked_parent_jid, w2.announce
                       from wa_data.whatsapp_groups w2
                       where w2.session_id = session and w2.group_jid = i.key limit 1) w on true
    where not (i.value ->> 'is_community')::boolean
  ) c;

  with
  -- A group stored before it became a community parent is removed (found per element; its campaign
  -- rows were let go of it first, above).
  removed_parents as (
    delete from wa_data.whatsapp_groups w
    where w.session_id = session and w.id = any(parent_ids)
    returning w.id
  ),
  inserted as (
    insert into wa_data.whatsapp_groups
      (session_id, group_jid, name, participant_count, is_community_announce, linked_parent_jid, announce)
    select session, j, incoming -> j ->> 'name', (incoming -> j ->> 'participant_count')::integer,
           (incoming -> j ->> 'is_community_announce')::boolean, incoming -> j ->> 'linked_parent_jid',
           (incoming -> j ->> 'announce')::boolean
    from unnest(new_jids) j
    returning id
  ),
  -- Unchanged rows are not touched: a no-change sync writes no group row. The rows to change are
  -- found by id; their new values are read from the payload by key.
  updated as (
    update wa_data.whatsapp_groups w
    set name = incoming -> w.group_jid ->> 'name',
        participant_count = (incoming -> w.group_jid ->> 'participant_count')::integer,
        is_community_announce = (incoming -> w.group_jid ->> 'is_community_announce')::boolean,
        linked_parent_jid = incoming -> w.group_jid ->> 'linked_parent_jid',
        announce = (incoming -> w.group_jid ->> 'announce')::boolean,
        inactive_since = null, updated_at = now()
    where w.session_id = session and w.id = any(changed_ids)
    returning w.id
  ),
  -- The session's active groups the payload does not name (parents it names are removed above).
  deactivated as (
    update wa_data.whatsapp_groups w
    set inactive_since = now(), updated_at = now()
    where w.session_id = session and w.inactive_since is null and not incoming ? w.group_jid
    returning w.id
  ),
  -- A group the session reports again is sendable again: the marks an error code left on it go
  -- (wa_data.group_unsendable_marks; a parent's too, its group is removed above). The session's
  -- marks, probed into the payload by key.
  unmarked as (
    delete from wa_data.group_unsendable_marks m
    where m.session_id = session and incoming ? m.group_jid
    returning 1
  ),
  session_row as (
    insert into wa_data.whatsapp_sessions (session_id, last_synced_at, group_count, last_synced_by)
    values (session, now(), n_groups, internal.api_key_id())
    on conflict (session_id) do update
      set last_synced_at = excluded.last_synced_at, group_count = excluded.group_count,
          last_synced_by = excluded.last_synced_by
    returning 1
  )
  select jsonb_build_object(
    'sessionId', session,
    'inserted', (select count(*) from inserted),
    'updated', n_updated,
    'unchanged', n_unchanged,
    'reactivated', n_reactivated,
    'deactivated', (select count(*) from deactivated),
    'skippedParents', (select count(*) from jsonb_each(incoming) i where (i.value ->> 'is_community')::boolean),
    'removedParents', (select count(*) from removed_parents),
    'total', jsonb_array_length(groups)
  ) into result;
  return result;
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.sync_groups(jsonb) from public;
grant execute on function api.sync_groups(jsonb) to gateway;
comment on function api.sync_groups(jsonb) is
  'Gateway: store a session''s groups from Baileys groupFetchAllParticipating(). Community parents are never stored.';
