-- Keeps refused bodies (or events) in the quarantine: items [{code, reason, body, bytes}] refused at
-- `endpoint` (the endpoint whose body shape they have: where a replay posts them). A body is kept
-- bounded (internal.raw_event); the same bytes refused for the same reason at the same endpoint
-- are one unresolved row, whose times_received and last_received_at move when it comes again
-- (gateways retry: WAHA 15 times, Evolution up to 10); bodies of different API keys are told apart
-- (each row records the key that sent it). Rows are written in hash order, so concurrent callers
-- never deadlock on them. The one way anything enters the quarantine.
create or replace function internal.keep_in_quarantine(endpoint text, items jsonb)
returns void
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into wa_data.message_error_quarantine as q
    (code, reason, raw, raw_bytes, endpoint, body_sha256, times_received, api_key_id)
  select distinct on (k.sha) i ->> 'code', i ->> 'reason', internal.raw_event(i -> 'body'),
         coalesce((i ->> 'bytes')::integer, octet_length((i -> 'body')::text)), endpoint, k.sha,
         count(*) over (partition by k.sha), a.key_id
  from (select internal.api_key_id() as key_id) a
  cross join jsonb_array_elements(items) with ordinality x(i, n)
  cross join lateral (select sha256(convert_to(concat_ws(e'\n', endpoint, i ->> 'code', i ->> 'reason',
                                                          (i -> 'body')::text, a.key_id::text), 'UTF8')) as sha) k
  order by k.sha, x.n
  on conflict (body_sha256) where resolved_at is null do update
    set times_received = q.times_received + excluded.times_received, last_received_at = now();
$$;
revoke all on function internal.keep_in_quarantine(text, jsonb) from public;
