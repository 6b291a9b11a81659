-- POST /rpc/resolve_quarantined (ops): {"id", "action": "dismiss" | "replay"}. dismiss marks a
-- quarantined body as dealt with; replay posts it again to the endpoint it came to (its
-- `endpoint`: an error ACK to record_message_error, progress to record_message_status, a WAHA or
-- Evolution body to its webhook, the WAHA signature not checked again: an operator replays it)
-- and marks it replayed — say, after the gateway's bug was understood, or a rule was relaxed. A
-- replay is all or nothing: refused again (any 4xx of that endpoint), nothing of it is kept (no
-- second quarantine row), the row stays unresolved and the answer is 422 replay_refused with the
-- endpoint's refusal. A body whose endpoint is not known (kept before it was recorded) is never
-- guessed at: 409 quarantine_kind_unknown. A body kept only in part (larger than rawEventBytes)
-- cannot be replayed: 409 quarantine_truncated.
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
    begin
      replayed := case q.endpoint
        when 'record_message_error' then internal.record_message_error(q.raw)
        when 'record_message_status' then internal.record_message_status(q.raw)
        when 'waha_webhook' then internal.waha_webhook(q.raw::text, q.raw, null, false)
        when 'evolution_webhook' then internal.evolution_webhook(q.raw)
      end;
      if coalesce((replayed ->> 'status')::integer, 200) >= 400 then
        raise sqlstate 'WAQ01';  -- undoes whatever the refused replay wrote (its quarantine row)
      end if;
    exception when sqlstate 'WAQ01' then
      perform internal.raise_api_error(422, 'replay_refused',
        format('Replaying quarantined event %s was refused again (%s): %s', q.id, replayed ->> 'code', replayed ->> 'message'),
        jsonb_build_object('endpoint', q.endpoint, 'code', replayed ->> 'code', 'message', replayed ->> 'message'),
        'Nothing was recorded and the event stays in quarantine: dismiss it, or fix the rule or the gateway first.');
    end;
  end if;
  update wa_data.message_error_quarantine
  set resolved_at = now(), resolution = case action when 'replay' then 'replayed' else 'dismissed' end
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
  'Ops: dismiss a quarantined event, or replay it to the endpoint it came to (refused again: 422, nothing kept).';
