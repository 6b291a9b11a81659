-- Raises an error that PostgREST turns into HTTP `status` with body {code, message, details, hint}.
-- The transaction rolls back: a rejected call changes nothing. PostgREST 12 takes details and
-- hint as strings only, so structured details travel as JSON text.
create or replace function internal.raise_api_error(
  status integer,
  code text,
  message text,
  details jsonb default null,
  hint text default null
)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if not code = any(internal.error_codes()) then
    raise exception 'API error code % is not in the registry (db/contracts/error.schema.json)', code;
  end if;
  raise sqlstate 'PGRST' using
    message = json_build_object('code', code, 'message', message,
      'details', case when jsonb_typeof(details) = 'string' then details #>> '{}' else details::text end,
      'hint', hint)::text,
    detail = json_build_object('status', status, 'headers', json_build_object())::text;
end
$$;
revoke all on function internal.raise_api_error(integer, text, text, jsonb, text) from public;
-- Called by internal.pre_request, which runs as any role of the host: executable by PUBLIC.
grant execute on function internal.raise_api_error(integer, text, text, jsonb, text) to public;
