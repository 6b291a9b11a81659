-- Stores a new API key (hash only) for a role, bound to `sessions` when given (gateway keys only:
-- it then acts on those sessions alone). Admin only: npm run api-key -- create.
create or replace function internal.create_api_key(
  api_key text,
  key_role name,
  label text,
  sessions text[] default null
)
returns bigint
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into internal.api_keys (key_prefix, key_hash, role, label, sessions)
  values (left(api_key, 12), sha256(convert_to(api_key, 'UTF8')), key_role, label, sessions)
  returning id;
$$;
revoke all on function internal.create_api_key(text, name, text, text[]) from public;
