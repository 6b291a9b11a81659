-- POST /rpc/resume_session (crm): {"sessionId"}. A session whose dispatch paused (too many
-- send-time failures in a row) is claimed from again; its failure count starts from zero. A
-- restriction is cleared with clear_session_restriction.
create or replace function api.resume_session(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  payload constant jsonb := $1;
  session text := payload ->> 'sessionId';
  was record;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"sessionId": "..."}.');
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  if not exists (select from wa_data.whatsapp_sessions s where s.session_id = session) then
    perform internal.raise_api_error(404, 'session_not_found', format('No session %s is known.', session));
  end if;
  select d.paused_at, d.pause_reason into was
  from wa_data.session_dispatch d where d.session_id = session for no key update;
  update wa_data.session_dispatch d set paused_at = null, pause_reason = null, consecutive_failures = 0, updated_at = now()
  where d.session_id = session;
  return jsonb_build_object('sessionId', session, 'wasPaused', was.paused_at is not null,
                            'pausedAt', was.paused_at, 'pauseReason', was.pause_reason);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.resume_session(jsonb) from public;
grant execute on function api.resume_session(jsonb) to crm;
comment on function api.resume_session(jsonb) is
  'CRM: start a session''s dispatch again after too many send-time failures in a row paused it.';
