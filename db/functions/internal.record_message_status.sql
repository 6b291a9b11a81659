-- The work behind api.record_message_status and the progress part of the Evolution and WAHA
-- webhooks: delivery progress per message id, kept in wa_data.message_status_inbox (earliest
-- times win, so duplicates and out-of-order updates never move a time later) and applied to the
-- campaign row that has the message id, now or when its send is recorded; on a row, never before
-- its send (clock skew). `source`: which gateway posted, noted per session for the CRM. Returns
-- the response body with its HTTP status in "status" (as internal.record_message_error does).
create or replace function internal.record_message_status(payload jsonb, source text default 'direct')
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
  -- The body, parsed once (internal.parse_message_status): everything below reads these rows.
  parsed internal.progress_event[];
  answers internal.event_answer[];
  result jsonb;
  sessions text[];
  -- The sessions the calling key may act on (null: every session), as for error ACKs.
  scope constant text[] := internal.session_scope();
  -- The key making this call: what every stored row records as its author.
  key_id constant bigint := internal.api_key_id();
  -- One time for every row this call writes (and, on Citus, no now() inside an upsert's SET).
  at_now constant timestamptz := now();
  session text;
begin
  if scope is not null then
    result := internal.refuse_out_of_scope(scope, internal.event_sessions(payload));
    if result is not null then
      return result;
    end if;
  end if;
  result := internal.refuse_event_body(payload, 'record_message_status');
  if result is not null then
    return result;
  end if;
  events := case when payload ? 'events' then payload -> 'events' else jsonb_build_array(payload) end;
  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(events));

  -- Parse once.
  parsed := array(
    select (e.idx::integer, e.ev, x.session_id, p.message_id, p.delivered_at, p.read_at,
            coalesce(p.problem_code, x.problem_code), coalesce(p.problem, x.problem))::internal.progress_event
    from jsonb_array_elements(events) with ordinality e(ev, idx)
    cross join lateral internal.parse_message_status(e.ev) p
    cross join lateral internal.event_session(p.session_id, scope) x
    order by e.idx);

  -- The same lock rows as send records and error ACKs (per session, in order): a send recorded
  -- concurrently either sees this progress in the inbox or is seen by the update below.
  perform internal.lock_message_ids(l.session_id, l.ids)
  from (select p.session_id, array_agg(p.message_id) as ids from unnest(parsed) p
        where p.problem_code is null group by p.session_id order by p.session_id) l;

  -- Then one session at a time: every statement names its session (one shard group on Citus).
  answers := '{}';
  for session in select distinct p.session_id from unnest(parsed) p where p.problem_code is null order by 1 loop
    -- One entry per message id of the session.
    insert into wa_data.message_status_inbox as i (message_id, session_id, delivered_at, read_at, api_key_id)
    select p.message_id, session, min(p.delivered_at), min(p.read_at), key_id
    from unnest(parsed) p
    where p.problem_code is null and p.session_id = session
    group by p.message_id
    order by p.message_id
    on conflict (message_id, session_id) do update
      set delivered_at = least(i.delivered_at, excluded.delivered_at),
          read_at = least(i.read_at, excluded.read_at),
          -- (the excluded row's, whose default is now(): Citus sends a SET clause to the shards, where
          -- neither now() nor a parameter of this function can be evaluated)
          updated_at = excluded.updated_at;

    -- Each event's row (one index probe each). Rows picked by id; their new times are the earliest
    -- of the inbox entry, read by key, never before the send.
    with looked as materialized (
      select p.idx, p.message_id, r.id as row_id, r.status
      from unnest(parsed) p
      left join lateral (select r3.id, r3.status from wa_data.notification_campaign_groups r3
                         where r3.session_id = session and r3.message_id = p.message_id limit 1) r on true
      where p.problem_code is null and p.session_id = session
    ),
    rows_now as (
      select r.id, least(r.delivered_at, internal.not_before(t.delivered_at, r.sent_at)) as delivered_at,
             least(r.read_at, internal.not_before(t.read_at, r.sent_at)) as read_at
      from wa_data.notification_campaign_groups r
      cross join lateral (select p.delivered_at, p.read_at from wa_data.message_status_inbox p
                          where p.session_id = session and p.message_id = r.message_id) t
      where r.session_id = session and r.id = any(array(select l.row_id from looked l where l.status = 'sent'))
        and r.status = 'sent'
    ),
    moved as (
      update wa_data.notification_campaign_groups r
      set delivered_at = n.delivered_at, read_at = n.read_at, updated_at = at_now
      from rows_now n
      where r.session_id = session and r.id = n.id
        and (r.delivered_at is distinct from n.delivered_at or r.read_at is distinct from n.read_at)
      returning r.message_id
    ),
    -- An event is applied when its message's row moved (a FULL JOIN is always hashed or merged:
    -- never a pass over the moved rows for each event).
    outcomes as (
      select l.*, case when m.message_id is not null then 'applied' when l.row_id is not null then 'unchanged'
                       else 'pending_match' end as outcome
      from looked l full join (select distinct message_id from moved) m on m.message_id = l.message_id
    )
    select answers || array(
             select (o.idx, jsonb_build_object('index', o.idx - 1, 'messageId', o.message_id, 'outcome', o.outcome),
                     null, null, null)::internal.event_answer
             from outcomes o)
      into answers;
    sessions := sessions || session;
  end loop;
  -- Refused: answered by internal.answer_events.
  answers := answers || array(select (p.idx, null, p.problem_code, p.problem, p.raw)::internal.event_answer
                              from unnest(parsed) p where p.problem_code is not null);

  result := internal.answer_events('record_message_status', answers, array['applied', 'unchanged', 'pending_match', 'quarantined']);
  if sessions is not null then
    perform internal.note_gateway(sessions, source);  -- for the CRM: who reports this session's progress
  end if;
  return result;
end
$$;
revoke all on function internal.record_message_status(jsonb, text) from public;
-- Called by the SECURITY INVOKER api wrapper, as the gateway.
grant execute on function internal.record_message_status(jsonb, text) to gateway;
