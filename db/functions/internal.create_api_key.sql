-- Stores a new API key (hash only) for a role, bound to `sessions` when given (gateway keys only:
-- it then acts on those sessions alone). `replaces`: the key a rotation replaces, whose lineage the
-- new key continues (internal.api_keys.lineage: Idempotency-Key answers belong to the lineage).
-- Admin only: npm run api-key -- create | rotate.
create or replace function internal.create_api_key(
  api_key text,
  key_role name,
  label text,
  sessions text[] default null,
  replaces bigint default null
)
returns bigint
-- PL/pgSQL: on Citus the keys are a reference table, which a SQL function's parameters cannot reach
-- ("could not create distributed plan"; docs/citus.md).
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  root bigint;
  new_id bigint;
begin
  if replaces is not null then
    select coalesce(k.lineage, k.id) into root from internal.api_keys k where k.id = replaces;
  end if;
  insert into internal.api_keys (key_prefix, key_hash, role, label, sessions, lineage)
  values (left(api_key, 12), sha256(convert_to(api_key, 'UTF8')), key_role, label, sessions, root)
  returning id into new_id;
  return new_id;
end
$$;
revoke all on function internal.create_api_key(text, name, text, text[], bigint) from public;
