-- The key an x-api-key names: its id, role and sessions (null: every session), or nulls for an
-- unknown or revoked key (a rotated key works until its revoked_at). PL/pgSQL rather than SQL: it
-- runs on every request, and PL/pgSQL keeps its plan (a SECURITY DEFINER SQL function is planned
-- again on each call).
create or replace function internal.api_key(api_key text, out id bigint, out role name, out sessions text[])
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  select k.id, k.role, k.sessions into id, role, sessions from internal.api_keys k
  where k.key_hash = sha256(convert_to(api_key, 'UTF8')) and (k.revoked_at is null or k.revoked_at > now());
end
$$;
revoke all on function internal.api_key(text) from public;
-- Called by internal.pre_request, which runs as any role of the host: executable by PUBLIC.
grant execute on function internal.api_key(text) to public;
