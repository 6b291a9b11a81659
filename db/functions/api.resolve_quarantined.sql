-- POST /rpc/resolve_quarantined (ops): {"id", "action": "dismiss" | "replay", "sessionId"?}. dismiss
-- marks a quarantined body as dealt with; replay posts it again to the endpoint it came to (its
-- `endpoint`: an error ACK to record_message_error, progress to record_message_status, a WAHA or
-- Evolution body to its webhook, the WAHA signature not checked again: an operator replays it)
-- and marks it replayed — say, after the gateway's bug was understood, or a rule was relaxed.
-- `sessionId` (replay only): the session an error ACK or progress event that named none
-- (session_required) belongs to; it must have a campaign row with that message id (else 422
-- replay_session_mismatch), and it is replayed as if the event had named it; a webhook body, a
-- batch or an event that names a session already cannot take one (409 replay_session_not_applicable).
-- The row keeps the session and the key that resolved it (resolved_by); what the replay records
-- is recorded under that key too (its api_key_id). A replay is all or nothing: refused again (any
-- 4xx of that endpoint), nothing of it is kept (no second quarantine row), the row stays
-- unresolved and the answer is 422 replay_refused with the endpoint's refusal. Those two refusals
-- answer their details as an object, as the gateway endpoints do (an answer, not a raise, which
-- PostgREST 12 could only carry as JSON text; the replay's writes are undone by its own block).
-- A body whose endpoint is not known (kept before it was recorded) is never guessed at: 409
-- quarantine_kind_unknown. A body kept only in part (larger than rawEventBytes) cannot be
-- replayed: 409 quarantine_truncated.
create or replace function api.resolve_quarantined(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  q wa_data.message_error_quarantine;
  action text := $1 ->> 'action';
  session text := $1 ->> 'sessionId';
  body jsonb;
  message text;
  replayed jsonb;
begin
  if jsonb_typeof($1) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"id": 1, "action": "dismiss"}.');
  end if;
  if jsonb_typeof($1 -> 'id') is distinct from 'number' or ($1 ->> 'id') !~ '^[0-9]{1,18}$' then
    perform internal.raise_api_error(422, 'invalid_quarantine_id', 'id must be a quarantine id (a whole number).');
  end if;
  if action is null or action not in ('dismiss', 'replay') then
    perform internal.raise_api_error(422, 'invalid_action', 'action must be "dismiss" or "replay".');
  end if;
  if $1 ? 'sessionId' and (action <> 'replay' or jsonb_typeof($1 -> 'sessionId') is distinct from 'string'
                           or not internal.conforms(session, 'SessionId')) then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId (with "replay" only) must be %s.', internal.describe_value('SessionId')));
  end if;
  select * into q from wa_data.message_error_quarantine where id = ($1 ->> 'id')::bigint for update;
  if not found then
    perform internal.raise_api_error(404, 'quarantine_not_found', format('No quarantined event %s.', $1 ->> 'id'));
  end if;
  if q.resolved_at is not null then
    perform internal.raise_api_error(409, 'already_resolved',
      format('Quarantined event %s was already %s.', q.id, q.resolution));
  end if;
  if action = 'replay' then
    if q.raw is null or q.raw ? '_truncated' then
      perform internal.raise_api_error(409, 'quarantine_truncated',
        format('Quarantined event %s was kept only in part: it cannot be replayed.', q.id));
    end if;
    if q.endpoint is null then
      perform internal.raise_api_error(409, 'quarantine_kind_unknown',
        format('Quarantined event %s was kept before the endpoint it came to was recorded: it is not replayed on a guess.', q.id),
        null, 'Dismiss it, or post its body (GET /quarantine) to the right endpoint yourself.');
    end if;
    body := q.raw;
    if session is not null then
      if q.endpoint not in ('record_message_error', 'record_message_status') or jsonb_typeof(body) <> 'object'
         or body ? 'events' or coalesce(body ->> 'sessionId', session) <> session then
        perform internal.raise_api_error(409, 'replay_session_not_applicable',
          format('Quarantined event %s cannot take a sessionId: only a single error ACK or progress event that names no session can.', q.id),
          null, 'Replay it without sessionId, or dismiss it.');
      end if;
      message := (select p.message_id from internal.message_id_parts(body ->> 'messageId') p);
      if not exists (select from wa_data.notification_campaign_groups r
                     where r.session_id = session and r.message_id = message) then
        perform set_config('response.status', '422', true);
        return jsonb_build_object('code', 'replay_session_mismatch',
          'message', format('Session %s has no message %s: quarantined event %s is not replayed into it.', session, message, q.id),
          'details', jsonb_build_object('sessionId', session, 'messageId', message),
          'hint', 'Name the session that sent this message (its campaign row has the message id).');
      end if;
      body := body || jsonb_build_object('sessionId', session);
    end if;
    begin
      replayed := case q.endpoint
        when 'record_message_error' then internal.record_message_error(body)
        when 'record_message_status' then internal.record_message_status(body)
        when 'waha_webhook' then internal.waha_webhook(body::text, body, null, false)
        when 'evolution_webhook' then internal.evolution_webhook(body)
      end;
      if coalesce((replayed ->> 'status')::integer, 200) >= 400 then
        raise sqlstate 'WAQ01';  -- undoes whatever the refused replay wrote (its quarantine row)
      end if;
    exception when sqlstate 'WAQ01' then
      perform set_config('response.status', '422', true);
      return jsonb_build_object('code', 'replay_refused',
        'message', format('Replaying quarantined event %s was refused again (%s): %s', q.id, replayed ->> 'code', replayed ->> 'message'),
        'details', jsonb_build_object('endpoint', q.endpoint, 'code', replayed ->> 'code', 'message', replayed ->> 'message'),
        'hint', 'Nothing was recorded and the event stays in quarantine: dismiss it, or fix the rule or the gateway first.');
    end;
  end if;
  update wa_data.message_error_quarantine
  set resolved_at = now(), resolution = case action when 'replay' then 'replayed' else 'dismissed' end,
      resolved_by = internal.api_key_id(), session_id = session
  where id = q.id;
  return jsonb_build_object('id', q.id, 'resolution', case action when 'replay' then 'replayed' else 'dismissed' end)
         || case when replayed is not null then jsonb_build_object('endpoint', q.endpoint, 'replay', replayed - 'status')
                 else '{}'::jsonb end;
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.resolve_quarantined(jsonb) from public;
grant execute on function api.resolve_quarantined(jsonb) to ops;
comment on function api.resolve_quarantined(jsonb) is
  'Ops: dismiss a quarantined event, or replay it to the endpoint it came to, into the session `sessionId` names when it named none (refused again: 422, nothing kept).';
