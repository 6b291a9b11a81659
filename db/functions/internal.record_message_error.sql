-- The work behind api.record_message_error. Returns the response body with its HTTP status in
-- "status" (the api wrapper sets it: a SET clause here would undo set_config at function exit).
create or replace function internal.record_message_error(payload jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  events jsonb;
  body_code text;
  body_message text;
  body_status integer;
  result jsonb;
  ids text[];
  attempts integer := 0;
  busy text;
  previous_lock_timeout constant text := current_setting('lock_timeout');
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    body_status := 400; body_code := 'invalid_body';
    body_message := 'The body must be a JSON object: one event, or {"events": [...]}.';
  elsif payload ? 'events' and jsonb_typeof(payload -> 'events') is distinct from 'array' then
    body_status := 422; body_code := 'invalid_events'; body_message := 'events must be an array of events.';
  elsif payload ? 'events' and jsonb_array_length(payload -> 'events') = 0 then
    body_status := 422; body_code := 'empty_batch'; body_message := 'events must hold at least one event.';
  elsif payload ? 'events' and jsonb_array_length(payload -> 'events') > 1000 then
    body_status := 413; body_code := 'batch_too_large';
    body_message := format('At most 1000 events per call; got %s.', jsonb_array_length(payload -> 'events'));
  end if;
  if body_code is not null then
    insert into wa_data.message_error_quarantine (code, reason, raw, raw_bytes)
    values (body_code, body_message, internal.raw_event(payload), octet_length(payload::text));
    return jsonb_build_object('status', body_status, 'code', body_code, 'message', body_message,
                              'details', null, 'hint', 'The body was kept in quarantine.');
  end if;

  events := case when payload ? 'events' then payload -> 'events' else jsonb_build_array(payload) end;

  -- Locks first, in their own statement: the statement below must take its snapshot after they
  -- are granted, so it sees what a concurrent send record committed (hence the events are parsed twice).
  ids := array(select distinct p.message_id
               from jsonb_array_elements(events) e, internal.parse_message_error(e) p
               where p.problem_code is null order by 1);
  if cardinality(ids) <= 1 then
    perform internal.lock_message_ids(ids);
  else
    -- All or nothing: a batch spans many campaigns, and holding some ids while waiting for a send
    -- record that holds others would chain every concurrent send of those ids behind it. So it
    -- tries to take all its ids without waiting (20 ms lock_timeout, in a subtransaction); when
    -- one is busy, the subtransaction rolls back (releasing what it took), and it waits for that
    -- one id alone, holding nothing else, then tries again. Send records hold their ids only
    -- while they run, so each retry waits for a different send record to finish.
    loop
      begin
        perform set_config('lock_timeout', '20ms', true);  -- undone by the rollback, or reset below
        perform internal.lock_message_ids(ids);
        perform set_config('lock_timeout', previous_lock_timeout, true);
        exit;
      exception when lock_not_available then
        attempts := attempts + 1;
      end;
      -- Which of our ids does someone hold? SKIP LOCKED passes over those; the share locks it
      -- takes on the others are released at once by rolling this subtransaction back.
      begin
        with free as (select l.message_id from wa_data.message_id_locks l
                      where l.message_id = any(ids) for share skip locked)
        select min(l.message_id) into busy from wa_data.message_id_locks l
        where l.message_id = any(ids) and not exists (select from free f where f.message_id = l.message_id);
        raise sqlstate 'WA001';
      exception when sqlstate 'WA001' then
        null;
      end;
      -- Wait for that one id alone, holding nothing else, then let go of it and try the whole
      -- batch again. None visible: the blocker is inserting an id we cannot see yet; pause briefly.
      if busy is not null then
        begin
          perform internal.lock_message_ids(array[busy]);
          raise sqlstate 'WA001';
        exception when sqlstate 'WA001' then
          null;
        end;
      else
        perform pg_sleep(0.005 * (0.5 + random()));
      end if;
    end loop;
  end if;

  with ev as (
    select e.idx, e.ev as raw, p.*
    from jsonb_array_elements(events) with ordinality e(ev, idx)
    cross join lateral internal.parse_message_error(e.ev) p
  ),
  valid as (select * from ev where problem_code is null),
  quarantined as (
    insert into wa_data.message_error_quarantine (code, reason, raw, raw_bytes)
    select problem_code, problem, internal.raw_event(raw), octet_length(raw::text)
    from ev where problem_code is not null order by idx
    returning 1
  ),
  -- A message id names at most one row (unique); the session and group, when given, must agree.
  matches as (
    select v.idx, r.id as row_id, r.status, r.campaign_id
    from valid v
    join wa_data.notification_campaign_groups r
      on r.message_id = v.message_id
     and (v.session_id is null or r.session_id = v.session_id)
     and (v.group_jid is null or r.group_jid = v.group_jid)
  ),
  -- Within one batch the first event for a sent row applies; later ones are duplicates.
  firsts as (
    select distinct on (row_id) row_id, idx from matches where status = 'sent' order by row_id, idx
  ),
  applied as (
    update wa_data.notification_campaign_groups r
    set status = 'failed', error_code = v.error_code, error_message = v.error_message,
        failed_at = now(), updated_at = now()
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
      (session_id, message_id, group_jid, error_code, error_message, raw, raw_bytes, outcome, campaign_id, campaign_group_id)
    select session_id, message_id, group_jid, error_code, error_message, internal.raw_event(raw),
           octet_length(raw::text), outcome, campaign_id, row_id
    from outcomes order by idx
    returning 1
  ),
  answers as (
    select idx, jsonb_build_object('index', idx - 1, 'messageId', message_id, 'outcome', outcome,
                                   'campaignId', campaign_id)
                || case when octet_length(raw::text) > internal.raw_limit_bytes()
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
                      from answers a where a.code is not null order by a.idx limit 1), '{}'::jsonb)
    into result
  from answers;
  return result;
end
$$;
revoke all on function internal.record_message_error(jsonb) from public;
grant execute on function internal.record_message_error(jsonb) to gateway;
