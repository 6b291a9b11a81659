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
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into internal.api_keys (key_prefix, key_hash, role, label, sessions, lineage)
  values
    (
      left(api_key, 12),
      sha256(convert_to(api_key, 'UTF8')),
      key_role,
      label,
      sessions,
      (select coalesce(k.lineage, k.id) from internal.api_keys k where k.id = replaces)
    )
  returning id;
$$;
revoke all on function internal.create_api_key(text, name, text, text[], bigint) from public;
