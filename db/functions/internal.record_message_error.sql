-- The work behind api.record_message_error, and the error part of the Evolution and WAHA webhooks
-- (`source`: which gateway posted, noted per session for the CRM), and replays. Returns the response
-- body with its HTTP status in "status": the api wrapper answers with it (internal.with_status),
-- the other callers read the counts. failed_at is the event's `at` (the gateway's time) when it has one, never
-- later than now and never before the row's send.
create or replace function internal.record_message_error(payload jsonb, source text default 'direct') returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md).
set plan_cache_mode = force_generic_plan
as $$
declare
  events jsonb;
  result jsonb;
  restricting boolean;
  quarantine jsonb;
  sessions text[];
  -- The sessions the calling key may act on (null: every session): the parser resolves each
  -- event's session within them (internal.event_session).
  scope constant text[] := internal.session_scope();
  -- The key making this call: what every stored row records as its author.
  key_id constant bigint := internal.api_key_id();
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

  -- Locks first, in their own statement: the statement below must take its snapshot after they
  -- are granted, so it sees what a concurrent send record committed (hence the events are parsed twice).
  perform internal.lock_message_ids(array(
    select p.message_id from jsonb_array_elements(events) e, internal.parse_message_error(e, scope) p
    where p.problem_code is null));

  with ev as (
    select e.idx, e.ev as raw, p.*
    from jsonb_array_elements(events) with ordinality e(ev, idx)
    cross join lateral internal.parse_message_error(e.ev, scope) p
  ),
  valid as (select * from ev where problem_code is null),
  -- A message id names at most one row (unique); the session and group, when given, must agree.
  -- (For a key bound to sessions every valid event has one: internal.event_session.)
  matches as (
    select v.idx, r.id as row_id, r.status, r.campaign_id
    from valid v
    cross join lateral (select r2.id, r2.status, r2.campaign_id from wa_data.notification_campaign_groups r2
                        where r2.message_id = v.message_id
                          and (v.session_id is null or r2.session_id = v.session_id)
                          and (v.group_jid is null or r2.group_jid = v.group_jid) limit 1) r
  ),
  -- Within one batch the first event for a sent row applies; later ones are duplicates.
  firsts as (
    select distinct on (row_id) row_id, idx from matches where status = 'sent' order by row_id, idx
  ),
  applied as (
    update wa_data.notification_campaign_groups r
    set status = 'failed', error_code = v.error_code, error_message = v.error_message,
        failed_at = internal.not_before(least(coalesce(internal.event_time(v.raw -> 'at'), now()), now()), r.sent_at),
        updated_at = now()
    from firsts f join valid v on v.idx = f.idx
    where r.id = f.row_id and r.status = 'sent'
    returning r.id, f.idx
  ),
  outcomes as (
    select v.*,
           case when exists (select from applied a where a.idx = v.idx) then 'applied'
                when m.row_id is not null then 'duplicate'
                else 'pending_match' end as outcome,
           m.row_id, m.campaign_id
    from valid v
    left join lateral (select row_id, campaign_id from matches m where m.idx = v.idx
                       order by row_id limit 1) m on true
  ),
  inboxed as (
    insert into wa_data.message_error_inbox
      (session_id, message_id, group_jid, error_code, error_message, raw, raw_bytes, outcome, campaign_id, campaign_group_id,
       api_key_id)
    select session_id, message_id, group_jid, error_code, error_message, internal.raw_event(raw),
           octet_length(raw::text), outcome, campaign_id, row_id, key_id
    from outcomes order by idx
    returning 1
  ),
  answers as (
    select idx, jsonb_build_object('index', idx - 1, 'messageId', message_id, 'outcome', outcome,
                                   'campaignId', campaign_id)
                || case when octet_length(raw::text) > internal.limit('rawEventBytes')
                        then '{"truncated": true}'::jsonb else '{}' end as answer,
           null as code, null as message
    from outcomes
    union all
    select idx, jsonb_build_object('index', idx - 1, 'outcome', 'quarantined', 'code', problem_code,
                                   'message', problem), problem_code, problem
    from ev where problem_code is not null
  )
  select jsonb_build_object(
           'results', jsonb_agg(answer order by idx),
           'counts', jsonb_build_object(
              'applied', count(*) filter (where answer ->> 'outcome' = 'applied'),
              'duplicate', count(*) filter (where answer ->> 'outcome' = 'duplicate'),
              'pending_match', count(*) filter (where answer ->> 'outcome' = 'pending_match'),
              'quarantined', count(*) filter (where answer ->> 'outcome' = 'quarantined')))
         || coalesce((select jsonb_build_object(
                        'status', 422, 'code', a.code, 'message', format('events[%s]: %s', a.idx - 1, a.message),
                        'details', jsonb_build_object('index', a.idx - 1),
                        'hint', 'Invalid events were kept in quarantine; valid ones were recorded.')
                      from answers a where a.code is not null order by a.idx limit 1), '{}'::jsonb),
         -- Whether any event carries a code that restricts its account (rare: then flag below).
         exists (select from outcomes o join wa_data.restricting_error_codes rc on rc.code = o.error_code),
         -- What the quarantine keeps (below), and the sessions that posted (for the CRM).
         (select jsonb_agg(jsonb_build_object('code', e.problem_code, 'reason', e.problem, 'body', e.raw) order by e.idx)
          from ev e where e.problem_code is not null),
         (select array_agg(distinct o.session_id) from outcomes o where o.session_id is not null)
    into result, restricting, quarantine, sessions
  from answers;

  -- Invalid events are kept in quarantine (once per value, however often a gateway retries them).
  if quarantine is not null then
    perform internal.keep_in_quarantine('record_message_error', quarantine);
  end if;

  -- An error that means the account itself is restricted flags its session (the event's, or the
  -- one of the row the message id names; within the key's sessions, as the parser resolved them).
  if restricting then
    perform internal.flag_restricted_session(coalesce(p.session_id, r.session_id), p.error_code)
    from jsonb_array_elements(events) e
    cross join lateral internal.parse_message_error(e, scope) p
    left join lateral (select r2.session_id from wa_data.notification_campaign_groups r2
                       where r2.message_id = p.message_id limit 1) r on true
    where p.problem_code is null and p.error_code is not null;
  end if;
  if sessions is not null then
    perform internal.note_gateway(sessions, source);
  end if;
  return result;
end
$$;
revoke all on function internal.record_message_error(jsonb, text) from public;
grant execute on function internal.record_message_error(jsonb, text) to gateway;
