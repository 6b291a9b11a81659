-- A cluster shaped like a Supabase project's database, as far as a guest can tell: the platform's
-- roles, their attributes, memberships and settings, its schemas, grants, default privileges and
-- the objects of its own that a guest meets. Run once, as the superuser supabase_admin (the initdb
-- user, as in Supabase's image), on the host's database (here `app`; theirs is `postgres`).
--
-- Derived, not copied, from supabase/postgres at commit 7db7e1a9e34b9ffb9b0e3372ccf08eb4fa772f4b
-- (2024-10-23): migrations/db/migrate.sh, migrations/db/init-scripts/*.sql (run as postgres while
-- it is still a superuser), migrations/db/migrations/*.sql (run as supabase_admin),
-- ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql and ansible/files/stat_extension.sql
-- (both copied into the image's init folders by Dockerfile-15). Each row names the file(s) it comes
-- from (init/ = migrations/db/init-scripts/, mig/ = migrations/db/migrations/); the state written
-- is the one the LAST of them leaves (e.g. anon is inherit since mig/20230529180330).
--
-- What cannot run here (Supabase's C extensions, not in Debian): supautils (its reserved roles and
-- memberships — it refuses e.g. a password on authenticator or a grant of authenticator — and its
-- privileged role, emulated at the end for pgrst.db_pre_request), safeupdate (session_preload_libraries
-- on authenticator), pgsodium and vault,
-- pg_graphql (schema graphql), pg_net, pgjwt. Their effects that a guest can see and that need
-- no C code are kept: pgsodium's three roles and their memberships, the role pg_net's trigger
-- creates. docs/reliability.md ("A guest in a host project") lists the same.

-- ---------------------------------------------------------------------------------------------
-- Roles, with every attribute as the scripts finally leave it.
create temp table platform_role (name text primary key, attributes text not null, source text not null);
insert into platform_role
values
  (
    'supabase_admin',
    'superuser createdb createrole replication bypassrls login inherit',
    'Dockerfile-15 (POSTGRES_USER: the initdb superuser); init/00000000000000-initial-schema'
  ),
  (
    'postgres',
    'nosuperuser createdb createrole replication bypassrls login inherit',
    'migrate.sh (created superuser); mig/10000000000000_demote-postgres'
  ),
  (
    'authenticator',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls login noinherit',
    'init/00000000000000-initial-schema (create user ... noinherit)'
  ),
  (
    'anon',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin inherit',
    'init/00000000000000-initial-schema (noinherit); mig/20230529180330_alter_api_roles_for_inherit'
  ),
  (
    'authenticated',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin inherit',
    'init/00000000000000-initial-schema (noinherit); mig/20230529180330_alter_api_roles_for_inherit'
  ),
  (
    'service_role',
    'nosuperuser nocreatedb nocreaterole noreplication bypassrls nologin inherit',
    'init/00000000000000-initial-schema (noinherit); mig/20230529180330_alter_api_roles_for_inherit'
  ),
  (
    'supabase_auth_admin',
    'nosuperuser nocreatedb createrole noreplication nobypassrls login noinherit',
    'init/00000000000001-auth-schema'
  ),
  (
    'supabase_storage_admin',
    'nosuperuser nocreatedb createrole noreplication nobypassrls login noinherit',
    'init/00000000000002-storage-schema'
  ),
  (
    'supabase_replication_admin',
    'nosuperuser nocreatedb nocreaterole replication nobypassrls login inherit',
    'init/00000000000000-initial-schema'
  ),
  (
    'supabase_read_only_user',
    'nosuperuser nocreatedb nocreaterole noreplication bypassrls login inherit',
    'init/00000000000000-initial-schema'
  ),
  (
    'dashboard_user',
    'nosuperuser createdb createrole replication nobypassrls nologin inherit',
    'init/00000000000003-post-setup'
  ),
  (
    'pgbouncer',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls login inherit',
    'ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql (init/00-schema.sql in the image)'
  ),
  (
    'supabase_functions_admin',
    'nosuperuser nocreatedb createrole noreplication nobypassrls login noinherit',
    'init/00000000000003-post-setup, mig/20220713082019 (created once pg_net is enabled, as on hosted projects)'
  ),
  (
    'pgsodium_keyiduser',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin inherit',
    'created by the pgsodium extension (michelp/pgsodium sql/pgsodium--3.1.5.sql; 3.1.8 per ansible/vars.yml)'
  ),
  (
    'pgsodium_keyholder',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin inherit',
    'created by the pgsodium extension (as above)'
  ),
  (
    'pgsodium_keymaker',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin inherit',
    'created by the pgsodium extension (as above)'
  ),
  (
    'supabase_realtime_admin',
    'nosuperuser nocreatedb nocreaterole noreplication nobypassrls nologin noinherit',
    'not in supabase/postgres at this commit: the Realtime service creates it (supabase/realtime ' 
 'lib/realtime/tenants/repo/migrations/20240401105812_create_realtime_admin_and_move_ownership.ex)'
  );

-- Memberships: `member` is a member of `role`. Granted and later revoked, hence absent here:
-- supabase_admin to authenticator (init/00000000000000, revoked by mig/20221103090837);
-- anon, authenticated, service_role to supabase_storage_admin (mig/20230327032006, revoked by
-- mig/20231013070755); supabase_realtime_admin to postgres (supabase/realtime 20240401105812,
-- revoked by its 20240919140541_reduce_grants_postgres_user).
create temp table platform_membership (
  role text,
  member text,
  admin_option boolean not null,
  source text not null,
  primary key (role, member)
);
insert into platform_membership
values
  ('anon', 'authenticator', false, 'init/00000000000000-initial-schema'),
  ('authenticated', 'authenticator', false, 'init/00000000000000-initial-schema'),
  ('service_role', 'authenticator', false, 'init/00000000000000-initial-schema'),
  ('pg_read_all_data', 'supabase_read_only_user', false, 'init/00000000000000-initial-schema'),
  (
    'supabase_auth_admin',
    'postgres',
    false,
    'mig/20220609081115_grant-supabase-auth-admin-and-supabase-storage-admin-to-postgres'
  ),
  (
    'supabase_storage_admin',
    'postgres',
    false,
    'mig/20220609081115_grant-supabase-auth-admin-and-supabase-storage-admin-to-postgres'
  ),
  ('anon', 'postgres', false, 'mig/20230201083204_grant_auth_roles_to_postgres'),
  ('authenticated', 'postgres', false, 'mig/20230201083204_grant_auth_roles_to_postgres'),
  ('service_role', 'postgres', false, 'mig/20230201083204_grant_auth_roles_to_postgres'),
  ('pg_monitor', 'postgres', false, 'mig/20230306081037_grant_pg_monitor_to_postgres'),
  -- The edge that makes postgres able to act as authenticator (SET ROLE follows memberships
  -- whatever NOINHERIT says): postgres > supabase_storage_admin > authenticator.
  (
    'authenticator',
    'supabase_storage_admin',
    false,
    'mig/20231013070755_grant_authenticator_to_supabase_storage_admin'
  ),
  ('pg_read_all_data', 'postgres', false, 'mig/20240606060239_grant_predefined_roles_to_postgres'),
  ('pg_signal_backend', 'postgres', false, 'mig/20240606060239_grant_predefined_roles_to_postgres'),
  ('pgsodium_keyiduser', 'postgres', true, 'mig/20221207154255_create_pgsodium_and_vault'),
  ('pgsodium_keyholder', 'postgres', true, 'mig/20221207154255_create_pgsodium_and_vault'),
  ('pgsodium_keymaker', 'postgres', true, 'mig/20221207154255_create_pgsodium_and_vault'),
  ('pgsodium_keyholder', 'service_role', false, 'mig/20230529180330_alter_api_roles_for_inherit'),
  ('pgsodium_keyiduser', 'pgsodium_keyholder', false, 'pgsodium--3.1.5.sql'),
  ('pgsodium_keyiduser', 'pgsodium_keymaker', false, 'pgsodium--3.1.5.sql'),
  ('pgsodium_keyholder', 'pgsodium_keymaker', false, 'pgsodium--3.1.5.sql');

-- Settings per role. search_path elements are identifiers; the init script writes "\$user" inside
-- an identifier, where psql does not unescape it, so postgres's path starts with a schema named
-- \$user (harmless: none exists). Not applied here: authenticator's session_preload_libraries =
-- 'supautils, safeupdate' (mig/20220118070449, mig/20220224211803): the libraries do not exist
-- here and every connection as authenticator would fail.
create temp table platform_setting (
  role text,
  name text,
  value text[] not null,
  source text not null,
  primary key (role, name)
);
insert into platform_setting
values
  (
    'supabase_admin',
    'search_path',
    '{$user,public,auth,extensions}',
    'init/00000000000003-post-setup; the post-init schema script migrate.sh runs last (docker/all-in-one/etc/postgresql.schema.sql)'
  ),
  ('postgres', 'search_path', '{\\$user,public,extensions}', 'init/00000000000003-post-setup'),
  ('supabase_auth_admin', 'search_path', '{auth}', 'init/00000000000001-auth-schema'),
  (
    'supabase_auth_admin',
    'idle_in_transaction_session_timeout',
    '{60000}',
    'mig/20220322085208_gotrue-session-limit'
  ),
  ('supabase_storage_admin', 'search_path', '{storage}', 'init/00000000000002-storage-schema'),
  ('anon', 'statement_timeout', '{3s}', 'init/00000000000000-initial-schema'),
  ('authenticated', 'statement_timeout', '{8s}', 'init/00000000000000-initial-schema'),
  ('authenticator', 'statement_timeout', '{8s}', 'mig/20221028101028_set_authenticator_timeout'),
  ('authenticator', 'lock_timeout', '{8s}', 'mig/20231130133139_set_lock_timeout_to_authenticator_role');

-- Schemas and who owns them (init scripts ran as postgres, migrations as supabase_admin).
create temp table platform_schema (name text primary key, owner text not null, source text not null);
insert into platform_schema
values
  ('extensions', 'postgres', 'init/00000000000000-initial-schema'),
  ('auth', 'supabase_admin', 'init/00000000000001-auth-schema'),
  ('storage', 'supabase_admin', 'init/00000000000002-storage-schema'),
  ('realtime', 'supabase_admin', 'mig/20211118015519_create-realtime-schema'),
  ('graphql_public', 'supabase_admin', 'mig/20220317095840_pg_graphql'),
  ('pgbouncer', 'pgbouncer', 'pgbouncer_auth_schema.sql');

-- Grants on the database and on schemas (`all`: every privilege of that kind of object).
-- `database` is the host's database (theirs: postgres, owned by postgres per migrate.sh).
create temp table platform_grant (
  kind text,
  object text,
  privilege text,
  grantee text,
  grant_option boolean not null,
  source text not null
);
insert into platform_grant
values
  ('database', 'current', 'all', 'dashboard_user', false, 'init/00000000000003-post-setup'),
  ('database', 'current', 'all', 'postgres', false, 'mig/10000000000000_demote-postgres'),
  ('schema', 'public', 'usage', 'postgres', false, 'init/00000000000000-initial-schema'),
  ('schema', 'public', 'usage', 'anon', false, 'init/00000000000000-initial-schema'),
  ('schema', 'public', 'usage', 'authenticated', false, 'init/00000000000000-initial-schema'),
  ('schema', 'public', 'usage', 'service_role', false, 'init/00000000000000-initial-schema'),
  ('schema', 'extensions', 'usage', 'anon', false, 'init/00000000000000-initial-schema'),
  ('schema', 'extensions', 'usage', 'authenticated', false, 'init/00000000000000-initial-schema'),
  ('schema', 'extensions', 'usage', 'service_role', false, 'init/00000000000000-initial-schema'),
  ('schema', 'extensions', 'all', 'dashboard_user', false, 'init/00000000000003-post-setup'),
  ('schema', 'auth', 'usage', 'anon', false, 'init/00000000000001-auth-schema'),
  ('schema', 'auth', 'usage', 'authenticated', false, 'init/00000000000001-auth-schema'),
  ('schema', 'auth', 'usage', 'service_role', false, 'init/00000000000001-auth-schema'),
  (
    'schema',
    'auth',
    'all',
    'supabase_auth_admin',
    false,
    'init/00000000000001-auth-schema, mig/20211115181400'
  ),
  ('schema', 'auth', 'all', 'dashboard_user', false, 'init/00000000000003-post-setup'),
  ('schema', 'auth', 'all', 'postgres', false, 'mig/10000000000000_demote-postgres, mig/20211115181400'),
  ('schema', 'storage', 'usage', 'anon', false, 'init/00000000000002-storage-schema'),
  ('schema', 'storage', 'usage', 'authenticated', false, 'init/00000000000002-storage-schema'),
  ('schema', 'storage', 'usage', 'service_role', false, 'init/00000000000002-storage-schema'),
  ('schema', 'storage', 'all', 'supabase_storage_admin', false, 'init/00000000000002-storage-schema'),
  ('schema', 'storage', 'all', 'dashboard_user', false, 'init/00000000000003-post-setup'),
  ('schema', 'storage', 'all', 'postgres', false, 'mig/10000000000000_demote-postgres'),
  ('schema', 'realtime', 'usage', 'postgres', false, 'mig/20211122051245_update-realtime-permissions'),
  ('schema', 'realtime', 'all', 'supabase_realtime_admin', false, 'supabase/realtime 20240401105812'),
  ('schema', 'graphql_public', 'usage', 'anon', false, 'mig/20220317095840_pg_graphql'),
  ('schema', 'graphql_public', 'usage', 'authenticated', false, 'mig/20220317095840_pg_graphql'),
  ('schema', 'graphql_public', 'usage', 'service_role', false, 'mig/20220317095840_pg_graphql'),
  (
    'schema',
    'graphql_public',
    'usage',
    'postgres',
    true,
    'mig/20231017062225 (pg_graphql''s access trigger)'
  );

-- Default privileges: what `for_role` creates in `schema` is granted to `grantee`.
create temp table platform_default (
  for_role text,
  schema text,
  objects text,
  grantee text,
  grant_option boolean not null,
  source text not null
);
insert into platform_default
select f.for_role, f.schema, o.objects, g.grantee, f.grant_option, f.source
from
  (
    values
      (
        'postgres',
        'public',
        '{postgres,anon,authenticated,service_role}',
        false,
        'init/00000000000000-initial-schema (run as postgres)'
      ),
      (
        'supabase_admin',
        'public',
        '{postgres,anon,authenticated,service_role}',
        false,
        'init/00000000000000-initial-schema'
      ),
      (
        'postgres',
        'storage',
        '{postgres,anon,authenticated,service_role}',
        false,
        'init/00000000000002-storage-schema (run as postgres)'
      ),
      (
        'supabase_admin',
        'graphql_public',
        '{postgres,anon,authenticated,service_role}',
        false,
        'mig/20220317095840_pg_graphql'
      ),
      (
        'supabase_admin',
        'extensions',
        '{postgres}',
        true,
        'mig/20230224042246_grant_extensions_perms_for_postgres'
      ),
      (
        'supabase_auth_admin',
        'auth',
        '{postgres,dashboard_user}',
        false,
        'mig/20211115181400_update-auth-permissions'
      ),
      -- postgres's share revoked by supabase/realtime 20240919140541_reduce_grants_postgres_user
      (
        'supabase_admin',
        'realtime',
        '{dashboard_user}',
        false,
        'mig/20211130151719_update-realtime-permissions'
      )
  ) f (for_role, schema, grantees, grant_option, source)
  cross join lateral unnest(f.grantees::text[]) g (grantee)
  cross join (
    values
      ('tables'),
      ('functions'),
      ('sequences')
  ) o (objects);

-- ---------------------------------------------------------------------------------------------
-- Applying the lists.
do $$
declare r record;
begin
  for r in select * from platform_role loop
    if exists (select from pg_roles where rolname = r.name) then
      execute format('alter role %I with %s', r.name, r.attributes);
    else
      execute format('create role %I with %s', r.name, r.attributes);
    end if;
  end loop;
  for r in select * from platform_membership loop
    execute format('grant %I to %I%s', r.role, r.member, case when r.admin_option then ' with admin option' else '' end);
  end loop;
  for r in select * from platform_setting loop
    execute format('alter role %I set %I to %s', r.role, r.name,
      (select string_agg(case when r.name = 'search_path' then quote_ident(v) else quote_literal(v) end, ', ')
       from unnest(r.value) v));
  end loop;
  execute format('alter database %I owner to postgres', current_database());  -- migrate.sh
  for r in select * from platform_schema loop
    execute format('create schema if not exists %I authorization %I', r.name, r.owner);
    execute format('alter schema %I owner to %I', r.name, r.owner);
  end loop;
  for r in select * from platform_grant loop
    execute format('grant %s on %s %I to %I%s', r.privilege, r.kind,
      case r.kind when 'database' then current_database() else r.object end, r.grantee,
      case when r.grant_option then ' with grant option' else '' end);
  end loop;
  for r in select * from platform_default loop
    execute format('alter default privileges for role %I in schema %I grant all on %s to %I%s',
      r.for_role, r.schema, r.objects, r.grantee, case when r.grant_option then ' with grant option' else '' end);
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------
-- The platform's own objects that a guest meets (written here after the scripts' intent).

-- Extensions in `extensions`: uuid-ossp and pgcrypto (init/00000000000000; pgjwt is not packaged
-- here), which init/00000000000003-post-setup then grants to dashboard_user; pg_stat_statements
-- (ansible/files/stat_extension.sql, the first migration); then mig/10000000000000 and
-- mig/20230224042246 give postgres all of them.
create extension if not exists "uuid-ossp" schema extensions;
create extension if not exists pgcrypto schema extensions;
grant all on all tables in schema extensions to dashboard_user;
grant all on all routines in schema extensions to dashboard_user;
grant all on all sequences in schema extensions to dashboard_user;
create extension if not exists pg_stat_statements schema extensions;
grant all on all tables in schema extensions to postgres with grant option;
grant all on all routines in schema extensions to postgres with grant option;
grant all on all sequences in schema extensions to postgres with grant option;

-- Realtime's publication (init/00000000000000).
create publication supabase_realtime;

-- The JWT helpers host apps call in their policies (init/00000000000001; owner per mig/20211124212715).
create function auth.uid()
returns uuid
language sql
stable
as $$
  select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid;
$$;
create function auth.role()
returns text
language sql
stable
as $$
  select nullif(current_setting('request.jwt.claim.role', true), '');
$$;
create function auth.email()
returns text
language sql
stable
as $$
  select nullif(current_setting('request.jwt.claim.email', true), '');
$$;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;

-- GraphQL's entry point while pg_graphql is absent (mig/20220404205710: the placeholder).
create function graphql_public.graphql(
  "operationName" text default null,
  query text default null,
  variables jsonb default null,
  extensions jsonb default null
)
returns jsonb
language sql
stable
as $$
  select
    jsonb_build_object(
      'errors',
      jsonb_build_array(jsonb_build_object('message', 'pg_graphql extension is not enabled.'))
    );
$$;

-- PgBouncer's password lookup (pgbouncer_auth_schema.sql): security definer, for pgbouncer only.
create function pgbouncer.get_auth(p_usename text)
returns table (username text, password text)
language sql
stable
security definer
as $$
  select usename::text, passwd::text from pg_catalog.pg_shadow where usename = p_usename;
$$;
alter function pgbouncer.get_auth(text) owner to supabase_admin;
revoke all on function pgbouncer.get_auth(text) from public;
grant execute on function pgbouncer.get_auth(text) to pgbouncer;

-- PostgREST's schema-cache reload on DDL (mig/20220321174452: event triggers that NOTIFY pgrst).
-- They fire on every migration a guest runs.
create function extensions.pgrst_ddl_watch()
returns event_trigger
language plpgsql
as $$
begin
  if exists (select from pg_event_trigger_ddl_commands() c
             where c.command_tag in ('CREATE SCHEMA', 'ALTER SCHEMA', 'CREATE TABLE', 'CREATE TABLE AS',
               'SELECT INTO', 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE', 'CREATE VIEW',
               'ALTER VIEW', 'CREATE MATERIALIZED VIEW', 'ALTER MATERIALIZED VIEW', 'CREATE FUNCTION',
               'ALTER FUNCTION', 'CREATE TRIGGER', 'CREATE TYPE', 'ALTER TYPE', 'CREATE RULE', 'COMMENT')
               and c.schema_name is distinct from 'pg_temp') then
    notify pgrst, 'reload schema';
  end if;
end $$;
create function extensions.pgrst_drop_watch()
returns event_trigger
language plpgsql
as $$
begin
  if exists (select from pg_event_trigger_dropped_objects() o
             where o.object_type in ('schema', 'table', 'foreign table', 'view', 'materialized view',
               'function', 'trigger', 'type', 'rule') and not o.is_temporary) then
    notify pgrst, 'reload schema';
  end if;
end $$;
-- The formatter's parser has no event triggers: left as written.
/* sql-parser-cst-disable */
create event trigger pgrst_ddl_watch on ddl_command_end execute function extensions.pgrst_ddl_watch();
create event trigger pgrst_drop_watch on sql_drop execute function extensions.pgrst_drop_watch();
/* sql-parser-cst-enable */

-- supautils's privileged role (ansible/files/postgresql_config/supautils.conf.j2:
-- supautils.privileged_role = 'postgres', privileged_role_allowed_configs including 'pgrst.*'): on
-- the platform postgres may `alter role authenticator set pgrst.…` (how a project sets its
-- pre-request hook). supautils cannot run here; PostgreSQL's own grant gives postgres that one
-- power for the pgrst settings a guest's docs ask the user to set.
-- The formatter's parser has no GRANT … ON PARAMETER: left as written.
/* sql-parser-cst-disable */
grant set on parameter pgrst.db_pre_request to postgres;
/* sql-parser-cst-enable */
