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

-- PostgREST's settings are not written into the database: the PostgREST this project runs reads
-- deploy/postgrest.conf, and in a host project (Supabase) PostgREST's configuration belongs to
-- the platform, where settings on authenticator would override it for the whole project
-- (docs/deployment.md says what to set there). An earlier version of this migration wrote
-- pgrst.* onto authenticator; 20261125000900 undoes that where authenticator is the host's.

-- migrate:down
drop table internal.api_keys;
