-- The work behind api.record_message_status and the progress part of the Evolution and WAHA
-- webhooks: delivery progress per message id, kept in wa_data.message_status_inbox (earliest
-- times win, so duplicates and out-of-order updates never move a time later) and applied to the
-- campaign row that has the message id, now or when its send is recorded; on a row, never before
-- its send (clock skew). `source`: which gateway posted, noted per session for the CRM. Returns
-- the response body with its HTTP status in "status" (as internal.record_message_error does).
create or replace function internal.record_message_status(payload jsonb, source text default 'direct') returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md).
set plan_cache_mode = force_generic_plan
as $$
declare
  events jsonb;
  changed text[];
  result jsonb;
  sessions text[];
  -- The sessions the calling key may act on (null: every session), as for error ACKs.
  scope constant text[] := internal.session_scope();
  -- The key making this call: what every stored row records as its author.
  key_id constant bigint := internal.api_key_id();
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

  -- The same lock rows as send records and error ACKs: a send recorded concurrently either sees
  -- this progress in the inbox or is seen by the update below.
  perform internal.lock_message_ids(array(
    select distinct p.message_id from jsonb_array_elements(events) e, internal.parse_message_status(e, scope) p
    where p.problem_code is null));

  perform internal.keep_in_quarantine('record_message_status', q.items)
  from (select jsonb_agg(jsonb_build_object('code', p.problem_code, 'reason', p.problem, 'body', x.e) order by x.idx) as items
        from jsonb_array_elements(events) with ordinality x(e, idx), internal.parse_message_status(x.e, scope) p
        where p.problem_code is not null) q
  where q.items is not null;

  -- One entry per message id and session (none: an unscoped key that named none).
  insert into wa_data.message_status_inbox as i (message_id, session_id, delivered_at, read_at, api_key_id)
  select p.message_id, p.session_id, min(p.delivered_at), min(p.read_at), key_id
  from jsonb_array_elements(events) e, internal.parse_message_status(e, scope) p
  where p.problem_code is null
  group by p.message_id, p.session_id
  order by p.message_id, p.session_id
  on conflict (message_id, (coalesce(session_id, ''))) do update
    set delivered_at = least(i.delivered_at, excluded.delivered_at),
        read_at = least(i.read_at, excluded.read_at),
        updated_at = now();

  -- Rows picked by id (per-element lookups); their new times are the earliest of the inbox
  -- entries of their own session and of none, read by key, never before the send.
  with rows_now as (
    select r.id, least(r.delivered_at, internal.not_before(t.delivered_at, r.sent_at)) as delivered_at,
           least(r.read_at, internal.not_before(t.read_at, r.sent_at)) as read_at
    from wa_data.notification_campaign_groups r
    cross join lateral (select min(p.delivered_at) as delivered_at, min(p.read_at) as read_at
                        from wa_data.message_status_inbox p
                        where p.message_id = r.message_id and (p.session_id is null or p.session_id = r.session_id)) t
    where r.id = any(array(
        select r2.id from jsonb_array_elements(events) e
        cross join lateral internal.parse_message_status(e, scope) v
        cross join lateral (select r3.id from wa_data.notification_campaign_groups r3
                            where r3.message_id = v.message_id
                              and (v.session_id is null or r3.session_id = v.session_id) limit 1) r2
        where v.problem_code is null))
      and r.status = 'sent'
  ),
  moved as (
    update wa_data.notification_campaign_groups r
    set delivered_at = n.delivered_at, read_at = n.read_at, updated_at = now()
    from rows_now n
    where r.id = n.id
      and (r.delivered_at is distinct from n.delivered_at or r.read_at is distinct from n.read_at)
    returning r.message_id
  )
  select array_agg(message_id) into changed from moved;

  select jsonb_build_object(
           'results', jsonb_agg(a.answer order by a.idx),
           'counts', jsonb_build_object(
              'applied', count(*) filter (where a.answer ->> 'outcome' = 'applied'),
              'unchanged', count(*) filter (where a.answer ->> 'outcome' = 'unchanged'),
              'pending_match', count(*) filter (where a.answer ->> 'outcome' = 'pending_match'),
              'quarantined', count(*) filter (where a.answer ->> 'outcome' = 'quarantined')))
         || coalesce((select jsonb_build_object(
                        'status', 422, 'code', q.problem_code,
                        'message', format('events[%s]: %s', x.idx - 1, q.problem),
                        'details', jsonb_build_object('index', x.idx - 1),
                        'hint', 'Invalid events were kept in quarantine; valid ones were recorded.')
                      from jsonb_array_elements(events) with ordinality x(e, idx), internal.parse_message_status(x.e, scope) q
                      where q.problem_code is not null order by x.idx limit 1), '{}'::jsonb),
         array_agg(distinct a.session_id) filter (where a.session_id is not null)
    into result, sessions
  from (
    select x.idx, case when p.problem_code is null then p.session_id end as session_id, case
      when p.problem_code is not null then
        jsonb_build_object('index', x.idx - 1, 'outcome', 'quarantined', 'code', p.problem_code, 'message', p.problem)
      else jsonb_build_object('index', x.idx - 1, 'messageId', p.message_id, 'outcome', case
        when p.message_id = any(changed) then 'applied'
        when exists (select from wa_data.notification_campaign_groups r
                     where r.message_id = p.message_id and (p.session_id is null or r.session_id = p.session_id)) then 'unchanged'
        else 'pending_match' end)
    end as answer
    from jsonb_array_elements(events) with ordinality x(e, idx), internal.parse_message_status(x.e, scope) p
  ) a;
  if sessions is not null then
    perform internal.note_gateway(sessions, source);  -- for the CRM: who reports this session's progress
  end if;
  return result;
end
$$;
revoke all on function internal.record_message_status(jsonb, text) from public;
-- Called by the SECURITY INVOKER api wrapper, as the gateway.
grant execute on function internal.record_message_status(jsonb, text) to gateway;
