-- A cluster shaped like a Supabase project's database, as far as a guest can tell: run as the
-- superuser supabase_admin on a fresh database. postgres is not a superuser; the platform roles,
-- their memberships, their default privileges on public, a search_path on postgres, the
-- platform's schemas. (After Supabase's own init scripts; written here, not copied.)
create role postgres login createrole createdb bypassrls;
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant postgres to supabase_admin;

grant all on database app to postgres;
alter schema public owner to postgres;
grant usage on schema public to anon, authenticated, service_role;
create schema auth authorization supabase_admin;
create schema extensions authorization supabase_admin;
create schema graphql_public authorization supabase_admin;
grant usage on schema extensions, graphql_public to postgres, anon, authenticated, service_role;

-- What postgres (and the platform) create in public is the Data API's.
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on tables to anon, authenticated, service_role;

alter role postgres set search_path = "$user", public, extensions;
alter role authenticator set statement_timeout = '8s';
alter role anon set statement_timeout = '3s';
