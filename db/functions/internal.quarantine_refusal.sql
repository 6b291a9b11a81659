-- Refuses a gateway body while keeping it: the body goes to the quarantine (bounded by
-- internal.raw_event) with the refusal's code and message as its reason, and the refusal comes back
-- with its HTTP status in "status" (the api wrapper answers it through internal.with_status). The
-- one way every gateway endpoint refuses a body without losing it.
create or replace function internal.quarantine_refusal(status integer, code text, message text, body jsonb, body_bytes integer)
returns jsonb
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into wa_data.message_error_quarantine (code, reason, raw, raw_bytes, api_key_id)
  values (code, message, internal.raw_event(body), body_bytes, internal.api_key_id());
  select jsonb_build_object('status', status, 'code', code, 'message', message,
                            'details', null, 'hint', 'The body was kept in quarantine.');
$$;
revoke all on function internal.quarantine_refusal(integer, text, text, jsonb, integer) from public;
