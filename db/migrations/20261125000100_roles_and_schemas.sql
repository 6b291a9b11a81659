-- migrate:up

-- Functions are not executable by everyone: each function is granted to its callers explicitly.
alter default privileges revoke execute on functions from public;
revoke execute on all functions in schema public from public;

-- Roles are cluster-wide and may already exist (Supabase ships anon and authenticator):
-- create only what is missing, never change an existing role's login or password.
do $$
begin
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit nocreatedb nocreaterole nosuperuser;
  end if;
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
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
grant anon, gateway, crm to authenticator;

-- One bad caller cannot hold the database (applied to JWT requests by PostgREST's
-- impersonated role settings, and to API-key requests by internal.pre_request).
alter role anon set statement_timeout = '2s';
alter role gateway set statement_timeout = '30s';
alter role crm set statement_timeout = '30s';

-- api: the only schema PostgREST exposes. internal: helpers, trigger functions, secrets.
create schema api;
create schema internal;
revoke all on schema internal from public;
revoke create on schema public from public;
grant usage on schema api to anon, gateway, crm;
-- The pre-request hook lives in internal and runs as the request's role.
grant usage on schema internal to anon, gateway, crm;

-- dbmate's bookkeeping table gets RLS too (no policy: only its owner reads it).
alter table public.schema_migrations enable row level security;

comment on schema api is 'The HTTP API (exposed by PostgREST): RPCs and read views.';
comment on schema internal is 'Helpers, trigger functions and secrets; never exposed.';

-- migrate:down
drop schema internal cascade;
drop schema api cascade;
