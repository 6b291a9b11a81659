-- The work behind api.waha_webhook: WAHA's webhook body as posted, {"event", "session",
-- "payload", ...}, and its raw text (for the HMAC). When the operator set a WAHA key
-- (internal.webhook_secrets, per session or for all), a body whose X-Webhook-Hmac is not HMAC-SHA512(key, raw body) is
-- refused 401 and quarantined. message.ack (and message.ack.group): ack -1 (ERROR) of our own
-- message becomes an error ACK (WAHA's id true_<chat>_<id>[_<participant>] unwrapped by the one
-- message-id rule; the error code when the body carries one), 2 DEVICE / 3 READ / 4 PLAYED become
-- delivery progress. Anything else is answered "ignored" and not stored.
create or replace function internal.waha_webhook(raw text, body jsonb, signature text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md).
set plan_cache_mode = force_generic_plan
as $$
declare
  -- The session's own key, else the key for every session ('*'), else none.
  key text := (select s.secret from internal.webhook_secrets s
               where s.gateway = 'waha' and s.session_id in (body ->> 'session', '*')
               order by s.session_id = '*' limit 1);
  event text := body ->> 'event';
  session text := body ->> 'session';
  p jsonb := body -> 'payload';
  ack integer;
  code jsonb;
  result jsonb;
begin
  -- A key bound to sessions posts for those only: another's body is refused, not stored.
  result := internal.refuse_out_of_scope(internal.session_scope(),
                                         array[case when jsonb_typeof(body -> 'session') = 'string' then session end]);
  if result is not null then
    return result;
  end if;
  -- Compared in constant time (internal.signature_matches).
  if key is not null
     and not internal.signature_matches(signature, internal.hmac_sha512(convert_to(key, 'UTF8'), convert_to(raw, 'UTF8'))) then
    return internal.quarantine_refusal(401, 'invalid_signature',
      'X-Webhook-Hmac is missing or does not match the body (HMAC-SHA512 with the configured WAHA key).',
      body, octet_length(raw));
  end if;
  if jsonb_typeof(body) is distinct from 'object' or jsonb_typeof(body -> 'event') is distinct from 'string'
     or jsonb_typeof(body -> 'session') is distinct from 'string' then
    return internal.quarantine_refusal(400, 'invalid_body',
      'The body must be a WAHA webhook: {"event": "...", "session": "...", "payload": {...}}.', body, octet_length(raw));
  end if;
  if not internal.conforms(session, 'SessionId') then
    return internal.quarantine_refusal(422, 'invalid_session_id',
      format('session must be %s.', internal.describe_value('SessionId')), body, octet_length(raw));
  end if;
  if event not in ('message.ack', 'message.ack.group') then
    return jsonb_build_object('event', event, 'outcome', 'ignored');
  end if;
  if jsonb_typeof(p) is distinct from 'object' or (p -> 'fromMe') = 'false'::jsonb then
    return jsonb_build_object('event', event, 'outcome', 'ignored');
  end if;
  ack := case when jsonb_typeof(p -> 'ack') = 'number' and (p ->> 'ack') ~ '^-?[0-9]$' then (p ->> 'ack')::integer
              when p ->> 'ackName' = 'ERROR' then -1 end;
  if ack = -1 then
    -- WAHA's own field when present, else what the NOWEB engine passes on from Baileys.
    code := coalesce(p -> 'errorCode', p #> '{_data,messageStubParameters,0}', p #> '{_data,update,messageStubParameters,0}');
    result := internal.record_message_error(jsonb_build_object('events', jsonb_build_array(jsonb_strip_nulls(
      jsonb_build_object('event', 'message_error', 'sessionId', session, 'messageId', p -> 'id',
                         'errorCode', case when internal.is_error_code(code) then code end)))));
    return jsonb_build_object('event', event, 'outcome', 'recorded', 'errors', result -> 'counts');
  elsif ack in (2, 3, 4) then
    result := internal.record_message_status(jsonb_build_object('events', jsonb_build_array(jsonb_build_object(
      'sessionId', session, 'messageId', p -> 'id',
      'status', case ack when 2 then 'delivered' when 3 then 'read' else 'played' end))));
    return jsonb_build_object('event', event, 'outcome', 'recorded', 'progress', result -> 'counts');
  end if;
  return jsonb_build_object('event', event, 'outcome', 'ignored');
end
$$;
revoke all on function internal.waha_webhook(text, jsonb, text) from public;
grant execute on function internal.waha_webhook(text, jsonb, text) to gateway;
