-- The work behind api.waha_webhook: WAHA's webhook body as posted (2025.12+ engines GOWS, NOWEB,
-- WEBJS; src/structures/webhooks.dto.ts WAHAWebhook: {id, timestamp (ms), event, session,
-- metadata, me, payload, engine, environment}), and its raw text (for the HMAC). When the
-- operator set a WAHA key (internal.webhook_secrets, per session or for all), a body whose
-- X-Webhook-Hmac is not HMAC-SHA512(key, raw body) is refused 401 and quarantined (a replay by an
-- operator, check_signature false, skips it).
--
-- message.ack and message.ack.group (WAHA posts group receipts there since 2025.12.2):
-- - ours is read from the id WAHA builds, {fromMe}_{chat}_{id}[_{participant}]: WEBJS posts group
--   receipts of our own messages with fromMe false and an id true_…; fromMe only when the id has
--   no such prefix;
-- - ack -1 (ERROR) → an error ACK: the code from payload.error.code (newest NOWEB, a string such
--   as "463", with blocked / reason), else payload.errorCode, else Baileys' messageStubParameters
--   under _data; the gateway's own fields go with the event (gatewayError), so a code that does
--   not parse is kept, never lost; error.reason is its message;
-- - 2 DEVICE → delivered, 3 READ → read, 4 PLAYED → played, and 1 SERVER with a receipt
--   (NOWEB maps a group participant's receiptTimestamp to SERVER) → delivered;
-- - the time is the gateway's: the receipt's (NOWEB _data.receipt, seconds; GOWS _data.Timestamp)
--   else the envelope's timestamp (ms); bounded by the paths it goes to.
-- group.v2.leave (and group.v2.participants leave naming us) makes the group unsendable at once;
-- group.v2.join stores a group it does not know as inactive (WAHA's group info carries no
-- community flags: a full sync decides whether it may be targeted) and updates the name and size
-- of one it knows; group.v2.update changes the name. Anything else is answered "ignored" and not
-- stored. Returns the response body with its HTTP status in "status".
create or replace function internal.waha_webhook(
  raw text,
  body jsonb,
  signature text,
  check_signature boolean default true
)
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
  -- The session's own key, else the key for every session ('*'), else none.
  key text := (select s.secret from internal.webhook_secrets s
               where s.gateway = 'waha' and s.session_id in (body ->> 'session', '*')
               order by s.session_id = '*' limit 1);
  event text := body ->> 'event';
  session text := body ->> 'session';
  p jsonb := body -> 'payload';
  id text := body #>> '{payload,id}';
  receipt jsonb := body #> '{payload,_data,receipt}';
  ack integer;
  at jsonb;
  code jsonb;
  gid text;
  n integer;
  inserted boolean;
  ours boolean;
  result jsonb;
begin
  -- A key bound to sessions posts for those only: another's body is refused, not stored.
  result := internal.refuse_out_of_scope(internal.session_scope(),
                                         array[case when jsonb_typeof(body -> 'session') = 'string' then session end]);
  if result is not null then
    return result;
  end if;
  -- Compared in constant time (internal.signature_matches).
  if check_signature and key is not null
     and not internal.signature_matches(signature, internal.hmac_sha512(convert_to(key, 'UTF8'), convert_to(raw, 'UTF8'))) then
    return internal.quarantine_refusal(401, 'invalid_signature',
      'X-Webhook-Hmac is missing or does not match the body (HMAC-SHA512 with the configured WAHA key).',
      body, octet_length(raw), 'waha_webhook');
  end if;
  if jsonb_typeof(body) is distinct from 'object' or jsonb_typeof(body -> 'event') is distinct from 'string'
     or jsonb_typeof(body -> 'session') is distinct from 'string' then
    return internal.quarantine_refusal(400, 'invalid_body',
      'The body must be a WAHA webhook: {"event": "...", "session": "...", "payload": {...}}.', body, octet_length(raw),
      'waha_webhook');
  end if;
  if not internal.conforms(session, 'SessionId') then
    return internal.quarantine_refusal(422, 'invalid_session_id',
      format('session must be %s.', internal.describe_value('SessionId')), body, octet_length(raw), 'waha_webhook');
  end if;
  if jsonb_typeof(p) is distinct from 'object' then
    return jsonb_build_object('event', event, 'outcome', 'ignored');
  end if;

  if event in ('message.ack', 'message.ack.group') then
    ours := case when id like 'true\_%' then true when id like 'false\_%' then false
                 else (p -> 'fromMe') is distinct from 'false'::jsonb end;
    if not ours then
      return jsonb_build_object('event', event, 'outcome', 'ignored');
    end if;
    ack := case when jsonb_typeof(p -> 'ack') = 'number' and (p ->> 'ack') ~ '^-?[0-9]$' then (p ->> 'ack')::integer
                when p ->> 'ackName' = 'ERROR' then -1 end;
    at := (select t from (values (1, case ack when 3 then receipt -> 'readTimestamp' when 4 then receipt -> 'playedTimestamp'
                                              else receipt -> 'receiptTimestamp' end),
                                 (2, p #> '{_data,Timestamp}'), (3, body -> 'timestamp')) v(k, t)
           where internal.event_time(t) > '2009-01-01' order by k limit 1);  -- not Go's zero time
    if ack = -1 then
      code := (select c from (values (1, p #> '{error,code}'), (2, p -> 'errorCode'),
                                     (3, p #> '{_data,messageStubParameters,0}'), (4, p #> '{_data,update,messageStubParameters,0}')) v(k, c)
               where c is not null and c <> 'null'::jsonb and internal.is_error_code(c) order by k limit 1);
      result := internal.record_message_error(jsonb_build_object('events', jsonb_build_array(jsonb_strip_nulls(
        jsonb_build_object('event', 'message_error', 'sessionId', session, 'messageId', p -> 'id', 'errorCode', code,
          'errorMessage', case when jsonb_typeof(p #> '{error,reason}') = 'string'
                                    and internal.conforms(p #>> '{error,reason}', 'ErrorMessage') then p #> '{error,reason}' end,
          'at', at))
        -- WAHA's own fields as it sent them (nulls inside kept): whatever the code parsed to.
        || coalesce((select jsonb_build_object('gatewayError', jsonb_object_agg(k, v))
                     from (values ('error', p -> 'error'), ('errorCode', p -> 'errorCode'),
                                  ('messageStubParameters', coalesce(p #> '{_data,messageStubParameters}',
                                                                     p #> '{_data,update,messageStubParameters}'))) g(k, v)
                     where v is not null having count(*) > 0), '{}'::jsonb))), 'waha');
      return jsonb_build_object('event', event, 'outcome', 'recorded', 'errors', result -> 'counts');
    elsif ack in (2, 3, 4) or (ack = 1 and jsonb_typeof(receipt -> 'receiptTimestamp') in ('number', 'string')) then
      result := internal.record_message_status(jsonb_build_object('events', jsonb_build_array(jsonb_strip_nulls(
        jsonb_build_object('sessionId', session, 'messageId', p -> 'id',
          'status', case ack when 3 then 'read' when 4 then 'played' else 'delivered' end, 'at', at)))), 'waha');
      return jsonb_build_object('event', event, 'outcome', 'recorded', 'progress', result -> 'counts');
    end if;
    return jsonb_build_object('event', event, 'outcome', 'ignored');
  end if;

  if event not in ('group.v2.join', 'group.v2.leave', 'group.v2.update', 'group.v2.participants') then
    return jsonb_build_object('event', event, 'outcome', 'ignored');
  end if;
  gid := p #>> '{group,id}';
  if gid is null or not internal.conforms(gid, 'GroupJid') then
    return internal.quarantine_refusal(422, 'invalid_group_jid',
      format('%s: payload.group.id must be %s.', event, internal.describe_value('GroupJid')), body, octet_length(raw),
      'waha_webhook');
  end if;
  if jsonb_typeof(p #> '{group,subject}') not in ('string', 'null')
     or not internal.conforms(p #>> '{group,subject}', 'GroupSubject') then
    return internal.quarantine_refusal(422, 'invalid_group_field',
      format('%s: payload.group.subject must be %s.', event, internal.describe_value('GroupSubject')), body,
      octet_length(raw), 'waha_webhook');
  end if;
  perform internal.note_gateway(array[session], 'waha');

  if event = 'group.v2.leave'
     or (event = 'group.v2.participants' and p ->> 'type' = 'leave'
         -- We are among those who left (by phone number or by LID, device suffix aside).
         and exists (select from jsonb_array_elements(case when jsonb_typeof(p -> 'participants') = 'array'
                                                           then p -> 'participants' else '[]' end) x,
                             unnest(array[x ->> 'id', x ->> 'pn']) pid,
                             unnest(array[body #>> '{me,id}', body #>> '{me,lid}']) me
                     where internal.jid_user(pid) = internal.jid_user(me))) then
    update wa_data.whatsapp_groups w set inactive_since = now(), updated_at = now()
    where w.session_id = session and w.group_jid = gid and w.inactive_since is null;
    get diagnostics n = row_count;
    return jsonb_build_object('event', event, 'outcome', 'recorded', 'groups', jsonb_build_object('deactivated', n));
  elsif event = 'group.v2.join' then
    insert into wa_data.whatsapp_groups as w (session_id, group_jid, name, participant_count, inactive_since)
    values (session, gid, p #>> '{group,subject}',
            case when jsonb_typeof(p #> '{group,participants}') = 'array' then jsonb_array_length(p #> '{group,participants}') else 0 end,
            now())
    on conflict (session_id, group_jid) do update
      set name = coalesce(excluded.name, w.name),
          participant_count = case when jsonb_typeof(p #> '{group,participants}') = 'array'
                                   then excluded.participant_count else w.participant_count end,
          updated_at = excluded.updated_at
    returning (xmax = 0) into inserted;
    return jsonb_build_object('event', event, 'outcome', 'recorded', 'groups',
      jsonb_build_object('inserted', case when inserted then 1 else 0 end, 'updated', case when inserted then 0 else 1 end));
  elsif event = 'group.v2.update' and p #>> '{group,subject}' is not null then
    update wa_data.whatsapp_groups w set name = p #>> '{group,subject}', updated_at = now()
    where w.session_id = session and w.group_jid = gid and w.name is distinct from p #>> '{group,subject}';
    get diagnostics n = row_count;
    return jsonb_build_object('event', event, 'outcome', 'recorded', 'groups', jsonb_build_object('updated', n));
  end if;
  return jsonb_build_object('event', event, 'outcome', 'ignored');
end
$$;
revoke all on function internal.waha_webhook(text, jsonb, text, boolean) from public;
grant execute on function internal.waha_webhook(text, jsonb, text, boolean) to gateway;
