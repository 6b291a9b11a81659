-- Groups a gateway reported one by one (Evolution's groups.upsert / groups.update), for one
-- session: never a full list, so nothing else of the session is deactivated. `complete` groups
-- (groups.upsert: whole GroupMetadata) are inserted or updated; partial ones (groups.update) only
-- change the fields they carry of groups already stored (and leave the marks of unsendable groups
-- alone: only a whole report makes a group sendable again). A community parent is never stored, and
-- a stored group that became one is removed. Invalid entries are quarantined (each as an
-- Evolution body of its own, replayable), never refused.
-- Returns {upserted, updated, removedParents, skippedParents, ignored, quarantined}.
create or replace function internal.upsert_groups(session text, groups jsonb, complete boolean)
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
  -- Valid entries keyed by JID (the last one wins within a body).
  incoming jsonb;
  problems jsonb;
  quarantined integer;
  upserted integer := 0;
  updated integer := 0;
  removed integer;
  parent_ids bigint[];
  known_ids bigint[];
  at_now constant timestamptz := now();
begin
  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(groups));
  with checked as (
    -- The one set of group rules (internal.group_problem), as for api.sync_groups.
    select g, split_part(x.p, ':', 1) as problem, x.p as reason
    from jsonb_array_elements(groups) g
    cross join lateral (select internal.group_problem(g) as p offset 0) x
  )
  select coalesce(jsonb_agg(jsonb_build_object(
             'code', problem, 'reason', 'a group event entry that is not a group: ' || reason,
             'body', jsonb_build_object('event', case when complete then 'groups.upsert' else 'groups.update' end,
                                        'instance', session, 'data', jsonb_build_array(internal.without_apikey(g)))))
           filter (where problem is not null), '[]'),
         coalesce(jsonb_object_agg(g ->> 'id', g) filter (where problem is null), '{}')
    into problems, incoming
  from checked;
  -- Kept as an Evolution body of that one entry (no apikey): a replay posts it to evolution_webhook.
  quarantined := jsonb_array_length(problems);
  if quarantined > 0 then
    perform internal.keep_in_quarantine('evolution_webhook', problems);
  end if;

  -- Parents: removed if stored (found per element; their campaign rows let go of them first), never
  -- stored.
  parent_ids := array(
    select p.id from jsonb_each(incoming) i
    cross join lateral (select w2.id from wa_data.whatsapp_groups w2
                        where w2.session_id = session and w2.group_jid = i.key limit 1) p
    where (i.value ->> 'isCommunity')::boolean);
  removed := 0;
  if cardinality(parent_ids) > 0 then
    perform internal.release_groups(session, parent_ids);
    delete from wa_data.whatsapp_groups w where w.session_id = session and w.id = any(parent_ids);
    get diagnostics removed = row_count;
  end if;

  if complete then
    insert into wa_data.whatsapp_groups as w
      (session_id, group_jid, name, participant_count, is_community_announce, linked_parent_jid, announce)
    select session, i.key, i.value ->> 'subject',
           coalesce((i.value ->> 'size')::numeric::integer, jsonb_array_length(case when jsonb_typeof(i.value -> 'participants') = 'array'
                                                                      then i.value -> 'participants' end), 0),
           coalesce((i.value ->> 'isCommunityAnnounce')::boolean, false), nullif(i.value ->> 'linkedParent', ''),
           coalesce((i.value ->> 'announce')::boolean, false)
    from jsonb_each(incoming) i
    where not coalesce((i.value ->> 'isCommunity')::boolean, false)
    order by i.key
    on conflict (session_id, group_jid) do update
      set name = excluded.name, participant_count = excluded.participant_count,
          is_community_announce = excluded.is_community_announce, linked_parent_jid = excluded.linked_parent_jid,
          announce = excluded.announce, inactive_since = null, updated_at = excluded.updated_at;
    get diagnostics upserted = row_count;
    -- A group reported whole again is sendable again: the marks an error code left on it go
    -- (wa_data.group_unsendable_marks), as in api.sync_groups. The session's marks, probed into
    -- the payload by key.
    delete from wa_data.group_unsendable_marks m where m.session_id = session and incoming ? m.group_jid;
  else
    -- The rows to update, picked by an array variable (never `any(array(<subquery>))`: a large
    -- call's custom plan sees the variable's values; docs/design.md).
    known_ids := array(
      select p.id from jsonb_each(incoming) i
      cross join lateral (select w2.id from wa_data.whatsapp_groups w2
                          where w2.session_id = session and w2.group_jid = i.key limit 1) p
      where not coalesce((i.value ->> 'isCommunity')::boolean, false));
    update wa_data.whatsapp_groups w
    set name = coalesce(incoming -> w.group_jid ->> 'subject', w.name),
        participant_count = coalesce((incoming -> w.group_jid ->> 'size')::numeric::integer, w.participant_count),
        is_community_announce = coalesce((incoming -> w.group_jid ->> 'isCommunityAnnounce')::boolean, w.is_community_announce),
        linked_parent_jid = coalesce(nullif(incoming -> w.group_jid ->> 'linkedParent', ''), w.linked_parent_jid),
        announce = coalesce((incoming -> w.group_jid ->> 'announce')::boolean, w.announce),
        updated_at = at_now
    where w.session_id = session and w.id = any(known_ids);
    get diagnostics updated = row_count;
  end if;

  return jsonb_build_object('upserted', upserted, 'updated', updated, 'removedParents', removed,
    'skippedParents', (select count(*) from jsonb_each(incoming) i where coalesce((i.value ->> 'isCommunity')::boolean, false)),
    'ignored', (select count(*) from jsonb_each(incoming) i where not coalesce((i.value ->> 'isCommunity')::boolean, false))
               - upserted - updated,
    'quarantined', quarantined);
end
$$;
revoke all on function internal.upsert_groups(text, jsonb, boolean) from public;
