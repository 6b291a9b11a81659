-- Who is calling, for what a caller owns (Idempotency-Key answers): the API key's lineage
-- ("key:<id of its first key>", internal.api_keys.lineage: a key made by rotate is the same
-- caller as the key it replaced), else the JWT's subject ("jwt:<role>:<sub>"), else a JWT without
-- `sub` by its own claims ("jwt-claims:<role>:<SHA-256 of the claims>": two such tokens share
-- keys only when they carry the very same claims, i.e. are the same credential), else the role
-- ("role:<role>": SQL outside PostgREST, which sends neither).
-- Reads internal.api_keys: called only by the SECURITY DEFINER internal.idempotency_* functions.
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.caller()
returns text
language plpgsql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  key_id constant bigint := internal.api_key_id();
  claims constant jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  role_name constant text := coalesce(nullif(current_setting('role', true), 'none'), current_user);
begin
  if key_id is not null then
    return 'key:' || coalesce((select coalesce(k.lineage, k.id) from internal.api_keys k where k.id = key_id), key_id);
  end if;
  if claims ->> 'sub' is not null then
    return 'jwt:' || role_name || ':' || (claims ->> 'sub');
  end if;
  if claims is not null and claims <> '{}'::jsonb then
    return 'jwt-claims:' || role_name || ':' || encode(sha256(convert_to(claims::text, 'UTF8')), 'hex');
  end if;
  return 'role:' || role_name;
end
$$;
revoke all on function internal.caller() from public;
