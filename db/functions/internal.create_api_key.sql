-- Stores a new API key (hash only) for a role. Admin only: npm run api-key -- create.
create or replace function internal.create_api_key(api_key text, key_role name, label text)
returns bigint
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into internal.api_keys (key_prefix, key_hash, role, label)
  values (left(api_key, 12), sha256(convert_to(api_key, 'UTF8')), key_role, label)
  returning id
$$;
revoke all on function internal.create_api_key(text, name, text) from public;
