-- The API key making this request (set by internal.pre_request), or null (a JWT, or SQL): what
-- every stored event, campaign, sync and restriction flag records as its author.
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.api_key_id()
returns bigint
language plpgsql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return nullif(current_setting('wa.api_key_id', true), '')::bigint;
end
$$;
revoke all on function internal.api_key_id() from public;
