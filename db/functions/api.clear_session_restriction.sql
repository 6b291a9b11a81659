-- POST /rpc/clear_session_restriction (crm): the CRM has dealt with a restricted account (waited
-- out the restriction, appealed) and lets it send again.
create or replace function api.clear_session_restriction(jsonb)
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
  select s.restricted_at, s.restricted_code into was
  from wa_data.whatsapp_sessions s where s.session_id = session for no key update;
  if not found then
    perform internal.raise_api_error(404, 'session_not_found', format('No session %s is known.', session));
  end if;
  update wa_data.whatsapp_sessions set restricted_at = null, restricted_code = null where session_id = session;
  return jsonb_build_object('sessionId', session, 'wasRestricted', was.restricted_at is not null,
                            'restrictedAt', was.restricted_at, 'restrictedCode', was.restricted_code);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.clear_session_restriction(jsonb) from public;
grant execute on function api.clear_session_restriction(jsonb) to crm;
comment on function api.clear_session_restriction(jsonb) is
  'CRM: let a session that WhatsApp restricted send again (clears restricted_at / restricted_code).';
