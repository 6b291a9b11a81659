-- migrate:up

-- A session-less event kept in quarantine (session_required) is replayed once ops says which
-- session it belongs to (resolve_quarantined {"id", "action": "replay", "sessionId"}): the row keeps
-- that session, and which key resolved it (dismissed or replayed), beside the key that posted it.
alter table wa_data.message_error_quarantine
  add column session_id internal.session_id,
  add column resolved_by bigint;
-- The SessionId rule compiled into the table's CHECK, as on every table holding a session id
-- (20261130190000; pgTAP 08 holds it to the rule as it is now).
do $$
declare
  r constant jsonb := internal.value_rules() -> 'SessionId';
begin
  execute format('alter table wa_data.message_error_quarantine add constraint message_error_quarantine_session_id_check '
                 'check (length(session_id) between %s and %s and session_id ~ %L)',
                 coalesce((r ->> 'minLength')::int, 0), coalesce((r ->> 'maxLength')::int, 2147483647),
                 coalesce(r ->> 'pattern', ''));
end
$$;
comment on column wa_data.message_error_quarantine.session_id is
  'The session ops named when replaying a body that named none (resolve_quarantined sessionId); null otherwise.';
comment on column wa_data.message_error_quarantine.resolved_by is
  'The API key that dismissed or replayed it (internal.api_keys.id); null: a JWT, or an operator in SQL.';

-- migrate:down
alter table wa_data.message_error_quarantine drop column session_id, drop column resolved_by;
