-- The sessions the calling key may act on (set by internal.pre_request from internal.api_keys),
-- or null when it may act on every session (an unscoped key, a JWT). Read once per call by every
-- gateway path (docs/deployment.md, "Scoped gateway keys").
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.session_scope()
returns text[]
language plpgsql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return nullif(current_setting('wa.api_key_sessions', true), '')::text[];
end
$$;
revoke all on function internal.session_scope() from public;
