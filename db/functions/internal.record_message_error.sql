-- The work behind api.record_message_error, and the error part of the Evolution and WAHA webhooks
-- (`source`: which gateway posted, noted per session for the CRM), and replays. Returns the response
-- body with its HTTP status in "status": the api wrapper answers with it (internal.with_status),
-- the other callers read the counts. failed_at is the event's `at` (the gateway's time) when it has one, never
-- later than now and never before the row's send.
create or replace function internal.record_message_error(payload jsonb, source text default 'direct')
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
  events jsonb;
  -- The body, parsed once (internal.parse_message_error): everything below reads these rows.
  parsed internal.error_event[];
  answers internal.event_answer[];
  result jsonb;
  -- Events whose error code has an effect (wa_data.error_code_effects): rare.
  effects internal.error_event[];
  sessions text[];
  -- The sessions the calling key may act on (null: every session). An event that names no session
  -- is the key's when the key is bound to one; else it cannot be routed (quarantined).
  scope constant text[] := internal.session_scope();
  session text;
  -- The key making this call: what every stored row records as its author.
  key_id constant bigint := internal.api_key_id();
  -- One time for every row this call writes (and, on Citus, no now() inside CASE or COALESCE).
  at_now constant timestamptz := now();
begin
  -- A key bound to sessions posts for those only; a body naming another is refused whole and
  -- not stored (it is not this key's to send).
  if scope is not null then
    result := internal.refuse_out_of_scope(scope, internal.event_sessions(payload));
    if result is not null then
      return result;
    end if;
  end if;
  result := internal.refuse_event_body(payload, 'record_message_error');
  if result is not null then
    return result;
  end if;
  events := case when payload ? 'events' then payload -> 'events' else jsonb_build_array(payload) end;
  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(events));

  -- Parse once.
  parsed := array(
    select (e.idx::integer, e.ev, octet_length(e.ev::text), x.session_id, p.message_id, p.group_jid, p.error_code,
            p.error_message, p.at, coalesce(p.problem_code, x.problem_code), coalesce(p.problem, x.problem))::internal.error_event
    from jsonb_array_elements(events) with ordinality e(ev, idx)
    cross join lateral internal.parse_message_error(e.ev) p
    cross join lateral internal.event_session(p.session_id, scope) x
    order by e.idx);

  -- Locks first, in their own statement per session (sessions in order, ids in order within
  -- each): the statements below take their snapshot after they are granted, so they see what a
  -- concurrent send record committed.
  perform internal.lock_message_ids(l.session_id, l.ids)
  from (select p.session_id, array_agg(p.message_id) as ids from unnest(parsed) p
        where p.problem_code is null group by p.session_id order by p.session_id) l;

  -- Then decide, one session at a time: every statement names its session, so each runs within
  -- one shard group on Citus (docs/citus.md). A message id names at most one row of its session
  -- (unique); the group, when given, must agree. Within one batch the first event for a sent row
  -- applies; later ones are duplicates.
  answers := '{}';
  effects := '{}';
  for session in select distinct p.session_id from unnest(parsed) p where p.problem_code is null order by 1 loop
    with decided as materialized (
      select p.*, r.id as row_id, r.campaign_id, r.group_jid as row_group_jid,
             r.status = 'sent' and row_number() over (partition by r.id order by p.idx) = 1 as first
      from unnest(parsed) p
      left join lateral (select r2.id, r2.status, r2.campaign_id, r2.group_jid from wa_data.notification_campaign_groups r2
                         where r2.session_id = session and r2.message_id = p.message_id
                           and (p.group_jid is null or r2.group_jid = p.group_jid)
                         limit 1) r on true
      where p.problem_code is null and p.session_id = session
    ),
    -- The rows by primary key, one index probe per event that applies.
    applied as (
      update wa_data.notification_campaign_groups r
      set status = 'failed', error_code = d.error_code, error_message = d.error_message,
          failed_at = internal.not_before(coalesce(d.at, at_now), r.sent_at), updated_at = at_now
      from decided d
      where r.session_id = session and d.first and r.id = d.row_id and r.status = 'sent'
      returning d.idx
    ),
    -- A FULL JOIN is always hashed or merged: never a pass over the applied events for each event.
    outcomes as materialized (
      select d.*, case when a.idx is not null then 'applied' when d.row_id is not null then 'duplicate'
                       else 'pending_match' end as outcome
      from decided d full join applied a on a.idx = d.idx
    ),
    inboxed as (
      insert into wa_data.message_error_inbox
        (session_id, message_id, group_jid, error_code, error_message, raw, raw_bytes, outcome, campaign_id, campaign_group_id,
         api_key_id)
      select session, message_id, group_jid, error_code, error_message, internal.raw_event(raw), bytes,
             outcome, campaign_id, row_id, key_id
      from outcomes order by idx
      returning 1
    )
    select answers || array(
             select (o.idx, jsonb_build_object('index', o.idx - 1, 'messageId', o.message_id, 'outcome', o.outcome,
                                               'campaignId', o.campaign_id)
                            || case when o.bytes > internal.limit('rawEventBytes') then '{"truncated": true}'::jsonb else '{}' end,
                     null, null, null)::internal.event_answer
             from outcomes o),
           -- Events whose code has an effect, with their group (the row's, else the event's): applied below.
           effects || array(
             select (o.idx, null, null, session, o.message_id, coalesce(o.row_group_jid, o.group_jid), o.error_code, null, null,
                     null, null)::internal.error_event
             from outcomes o where o.error_code in (select e.code from wa_data.error_code_effects e)
             order by o.idx)
      into answers, effects;
    sessions := sessions || session;
  end loop;
  -- Refused: answered by internal.answer_events.
  answers := answers || array(select (p.idx, null, p.problem_code, p.problem, p.raw)::internal.event_answer
                              from unnest(parsed) p where p.problem_code is not null);

  result := internal.answer_events('record_message_error', answers, array['applied', 'duplicate', 'pending_match', 'quarantined']);

  -- The effects of the codes (the account restricted, the group unsendable): one call per session
  -- that has any, sessions in order; none, and no statement, when no code has one.
  if cardinality(effects) > 0 then
    perform internal.apply_error_code_effects(p.session_id, array_agg(p.group_jid order by p.idx), array_agg(p.error_code order by p.idx))
    from unnest(effects) p
    group by p.session_id
    order by p.session_id;
  end if;
  if sessions is not null then
    perform internal.note_gateway(sessions, source);
  end if;
  return result;
end
$$;
revoke all on function internal.record_message_error(jsonb, text) from public;
grant execute on function internal.record_message_error(jsonb, text) to gateway;
