-- Who is calling, for what a caller owns (Idempotency-Key answers) and records: the API key
-- ("key:<id>", set by internal.pre_request), else the JWT's subject ("jwt:<role>:<sub>"), else the
-- role ("role:<role>").
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.caller()
returns text
language plpgsql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return coalesce('key:' || nullif(current_setting('wa.api_key_id', true), ''),
                  'jwt:' || current_setting('role', true) || ':'
                         || (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'),
                  'role:' || coalesce(nullif(current_setting('role', true), 'none'), current_user));
end
$$;
revoke all on function internal.caller() from public;
