-- The body-level rules every gateway event endpoint shares (record_message_error,
-- record_message_status: `endpoint`): one event object or {"events": [...]} of
-- 1..ackEventsPerCall. A body that breaks them is kept in quarantine (as a body of `endpoint`)
-- and the refusal is returned (with its HTTP status in "status"); null when the body is fine.
create or replace function internal.refuse_event_body(payload jsonb, endpoint text)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  body_code text;
  body_message text;
  body_status integer;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    body_status := 400; body_code := 'invalid_body';
    body_message := 'The body must be a JSON object: one event, or {"events": [...]}.';
  elsif payload ? 'events' and jsonb_typeof(payload -> 'events') is distinct from 'array' then
    body_status := 422; body_code := 'invalid_events'; body_message := 'events must be an array of events.';
  elsif payload ? 'events' and jsonb_array_length(payload -> 'events') = 0 then
    body_status := 422; body_code := 'empty_batch'; body_message := 'events must hold at least one event.';
  elsif payload ? 'events' and jsonb_array_length(payload -> 'events') > internal.limit('ackEventsPerCall') then
    body_status := 413; body_code := 'batch_too_large';
    body_message := format('At most %s events per call; got %s.', internal.limit('ackEventsPerCall'),
                           jsonb_array_length(payload -> 'events'));
  else
    return null;
  end if;
  return internal.quarantine_refusal(body_status, body_code, body_message, payload, octet_length(payload::text), endpoint);
end
$$;
revoke all on function internal.refuse_event_body(jsonb, text) from public;
