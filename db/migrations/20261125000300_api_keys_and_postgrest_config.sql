-- migrate:up

-- Machine API keys. Only a SHA-256 of each key is stored: keys are 32 random bytes, so a fast
-- hash is enough (no dictionary to guess from) and keeps the per-request lookup cheap.
create table internal.api_keys (
  id         bigint generated always as identity primary key,
  key_prefix text not null,
  key_hash   bytea not null unique check (length(key_hash) = 32),
  role       name not null check (role in ('gateway', 'crm')),
  label      text not null check (length(label) between 1 and 200),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
alter table internal.api_keys enable row level security;
revoke all on internal.api_keys from public, anon, gateway, crm;
comment on table internal.api_keys is
  'API keys for machines (hash only). Manage with: npm run api-key -- create|list|revoke';

-- PostgREST reads its database-side configuration from authenticator's role settings, so any
-- PostgREST in front of this database behaves the same. Values already set (for example by
-- Supabase) are kept: api is appended to the exposed schemas; other settings are not replaced.
do $$
declare
  current_schemas text;
  setting text;
begin
  select split_part(c, '=', 2) into current_schemas
  from pg_db_role_setting s, unnest(s.setconfig) c
  where s.setrole = 'authenticator'::regrole and s.setdatabase = 0 and c like 'pgrst.db_schemas=%';
  if current_schemas is null then
    alter role authenticator set pgrst.db_schemas = 'api';
  elsif not 'api' = any (string_to_array(replace(current_schemas, ' ', ''), ',')) then
    execute format('alter role authenticator set pgrst.db_schemas = %L', current_schemas || ', api');
  end if;

  foreach setting in array array['db_anon_role', 'db_pre_request', 'openapi_mode'] loop
    if not exists (
      select from pg_db_role_setting s, unnest(s.setconfig) c
      where s.setrole = 'authenticator'::regrole and s.setdatabase = 0 and c like 'pgrst.' || setting || '=%'
    ) then
      execute format('alter role authenticator set %I = %L', 'pgrst.' || setting,
        case setting
          when 'db_anon_role' then 'anon'
          when 'db_pre_request' then 'internal.pre_request'
          -- The OpenAPI document describes the whole API whoever asks; data stays guarded.
          when 'openapi_mode' then 'ignore-privileges'
        end);
    else
      raise notice 'authenticator already has pgrst.%; kept as is', setting;
    end if;
  end loop;
end
$$;

-- migrate:down
drop table internal.api_keys;
