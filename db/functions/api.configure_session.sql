-- POST /rpc/configure_session (crm): {"sessionId", "ratePerMinute"?, "jitterSeconds"?, "dailyCap"?,
-- "maxConsecutiveFailures"?, "leaseSeconds"?}: a session's dispatch pacing. A setting not given (or
-- null) keeps its value; the defaults are the columns' (docs/design.md, "Dispatch"). Answers the
-- settings now in force; the next claim uses them.
create or replace function api.configure_session(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  payload constant jsonb := $1;
  session text := payload ->> 'sessionId';
  bad record;
  d wa_data.session_dispatch;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"sessionId": "...", "ratePerMinute": 6}.');
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  -- Each setting given is a whole number within its rule (internal.value_rules()).
  select f.key, f.rule into bad
  from (values ('ratePerMinute', 'RatePerMinute', 1), ('jitterSeconds', 'JitterSeconds', 2), ('dailyCap', 'DailyCap', 3),
               ('maxConsecutiveFailures', 'MaxConsecutiveFailures', 4), ('leaseSeconds', 'LeaseSeconds', 5)) f(key, rule, n)
  where coalesce(jsonb_typeof(payload -> f.key), 'null') <> 'null'
    -- CASE: the casts only ever see numbers.
    and case
      when jsonb_typeof(payload -> f.key) <> 'number' then true
      when (payload ->> f.key)::numeric <> trunc((payload ->> f.key)::numeric) then true
      else (payload ->> f.key)::numeric not between (internal.value_rules() -> f.rule ->> 'minimum')::numeric
                                             and (internal.value_rules() -> f.rule ->> 'maximum')::numeric
    end
  order by f.n limit 1;
  if found then
    perform internal.raise_api_error(422, 'invalid_session_setting',
      format('%s must be a whole number from %s to %s.', bad.key, internal.value_rules() -> bad.rule ->> 'minimum',
             internal.value_rules() -> bad.rule ->> 'maximum'),
      jsonb_build_object('field', bad.key));
  end if;
  if not exists (select from wa_data.whatsapp_sessions s where s.session_id = session) then
    perform internal.raise_api_error(404, 'session_not_found', format('No session %s is known.', session));
  end if;
  insert into wa_data.session_dispatch (session_id) values (session) on conflict do nothing;
  update wa_data.session_dispatch x
  set rate_per_minute = coalesce((payload ->> 'ratePerMinute')::integer, x.rate_per_minute),
      jitter_seconds = coalesce((payload ->> 'jitterSeconds')::integer, x.jitter_seconds),
      daily_cap = coalesce((payload ->> 'dailyCap')::integer, x.daily_cap),
      max_consecutive_failures = coalesce((payload ->> 'maxConsecutiveFailures')::integer, x.max_consecutive_failures),
      lease_seconds = coalesce((payload ->> 'leaseSeconds')::integer, x.lease_seconds),
      updated_at = now()
  where x.session_id = session
  returning * into d;
  return jsonb_build_object('sessionId', session, 'ratePerMinute', d.rate_per_minute, 'jitterSeconds', d.jitter_seconds,
                            'dailyCap', d.daily_cap, 'maxConsecutiveFailures', d.max_consecutive_failures,
                            'leaseSeconds', d.lease_seconds);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.configure_session(jsonb) from public;
grant execute on function api.configure_session(jsonb) to crm;
comment on function api.configure_session(jsonb) is
  'CRM: a session''s dispatch pacing (sends per minute, jitter, daily cap, failures in a row that pause it, lease).';
