-- PostgREST's db-pre-request hook: maps the x-api-key header to its role for this request.
-- No SET clause on purpose: it would undo the SET LOCAL ROLE at function exit.
create or replace function internal.pre_request() returns void
language plpgsql volatile
as $$
declare
  api_key text := nullif(current_setting('request.headers', true), '')::json ->> 'x-api-key';
  key_role name;
begin
  if api_key is null then
    -- A valid JWT already switched the role; without one the request is anonymous.
    if current_user = 'anon' then
      perform internal.raise_api_error(401, 'missing_credentials',
        'Send an API key in the x-api-key header (or a JWT in Authorization: Bearer).');
    end if;
    return;
  end if;
  key_role := internal.api_key_role(api_key);
  if key_role is null then
    perform internal.raise_api_error(401, 'invalid_api_key', 'The API key is unknown or revoked.');
  end if;
  execute format('set local role %I', key_role);
  perform set_config('statement_timeout',
    coalesce(internal.role_statement_timeout(key_role), '0'), true);
end
$$;
revoke all on function internal.pre_request() from public;
grant execute on function internal.pre_request() to anon, gateway, crm;
