-- The request's Idempotency-Key header (IETF httpapi draft: a structured-field string, so
-- "quoted", though a bare value is taken too), or null when the call carries none.
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.idempotency_key_header()
returns text
language plpgsql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select case when h ~ '^".*"$' then substr(h, 2, length(h) - 2) else h end
          from (select nullif(current_setting('request.headers', true), '')::json ->> 'idempotency-key' as h) r);
end
$$;
revoke all on function internal.idempotency_key_header() from public;
