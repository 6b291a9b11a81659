-- migrate:up

-- Roles are cluster-wide and may already exist (Supabase ships anon and authenticator):
-- create only what is missing, never change an existing role's login or password.
-- (A guest in a host project changes nothing of the host: the settings and memberships below
-- are made only on roles this migration creates.)
do $$
declare
  ours_anon boolean := not exists (select from pg_roles where rolname = 'anon');
  ours_authenticator boolean := not exists (select from pg_roles where rolname = 'authenticator');
begin
  if ours_authenticator then
    create role authenticator login noinherit nocreatedb nocreaterole nosuperuser;
  end if;
  if ours_anon then
    create role anon nologin noinherit;
    -- One bad anonymous caller cannot hold the database.
    alter role anon set statement_timeout = '2s';
  end if;
  if ours_anon or ours_authenticator then
    grant anon to authenticator;
  end if;
  if not exists (select from pg_roles where rolname = 'gateway') then
    create role gateway nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'crm') then
    create role crm nologin noinherit;
  end if;
end
$$;

-- PostgREST connects as authenticator and switches to one of these per request.
grant gateway, crm to authenticator;

-- One bad caller cannot hold the database (applied to JWT requests by PostgREST's
-- impersonated role settings, and to API-key requests by internal.pre_request).
alter role gateway set statement_timeout = '30s';
alter role crm set statement_timeout = '30s';

-- api: the only schema PostgREST exposes. internal: helpers, trigger functions, secrets.
create schema api;
create schema internal;
revoke all on schema internal from public;
-- Functions in our schemas are executable only by whom each one is granted to.
alter default privileges in schema api revoke execute on functions from public;
alter default privileges in schema internal revoke execute on functions from public;
-- api is the exposed schema: anyone may see into it (GET / reads the OpenAPI document there);
-- what each role may call or read is granted object by object.
grant usage on schema api to public;
-- The pre-request hook lives in internal and runs as whatever role PostgREST switched to (in a
-- host project, the host's roles): usage for PUBLIC; every object in it is granted one by one.
grant usage on schema internal to public;

-- dbmate's bookkeeping table gets RLS too (no policy: only its owner reads it).
alter table wa_data.schema_migrations enable row level security;

comment on schema api is 'The HTTP API (exposed by PostgREST): RPCs and read views.';
comment on schema internal is 'Helpers, trigger functions and secrets; never exposed.';

-- migrate:down
drop schema internal cascade;
drop schema api cascade;
