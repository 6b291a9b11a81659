-- migrate:up

-- Before 20261125000300 stopped doing it, migrating wrote PostgREST settings onto authenticator.
-- In a host project (Supabase: recognised by its own roles and schemas) authenticator and
-- PostgREST's configuration are the platform's, and those settings overrode it for the whole
-- project. Undo exactly what was written there, nothing else; on the project's own clusters
-- the settings are equivalent to deploy/postgrest.conf and stay.
do $$
declare
  host boolean := exists (select from pg_roles where rolname = 'supabase_admin')
                  and exists (select from pg_namespace where nspname = 'auth');
  schemas text;
begin
  if not host or not exists (select from pg_roles where rolname = 'authenticator') then
    return;
  end if;
  select split_part(c, '=', 2) into schemas
  from pg_db_role_setting s, unnest(s.setconfig) c
  where s.setrole = 'authenticator'::regrole and s.setdatabase = 0 and c like 'pgrst.db_schemas=%';
  if schemas = 'api' then
    alter role authenticator reset pgrst.db_schemas;
  elsif schemas like '%, api' then
    execute format('alter role authenticator set pgrst.db_schemas = %L', left(schemas, -length(', api')));
  end if;
  if exists (select from pg_db_role_setting s, unnest(s.setconfig) c
             where s.setrole = 'authenticator'::regrole and s.setdatabase = 0
               and c = 'pgrst.db_pre_request=internal.pre_request') then
    alter role authenticator reset pgrst.db_pre_request;
  end if;
  if exists (select from pg_db_role_setting s, unnest(s.setconfig) c
             where s.setrole = 'authenticator'::regrole and s.setdatabase = 0
               and c = 'pgrst.openapi_mode=ignore-privileges') then
    alter role authenticator reset pgrst.openapi_mode;
  end if;
  if exists (select from pg_db_role_setting s, unnest(s.setconfig) c
             where s.setrole = 'authenticator'::regrole and s.setdatabase = 0 and c = 'pgrst.db_anon_role=anon') then
    alter role authenticator reset pgrst.db_anon_role;
  end if;
end
$$;

-- migrate:down
-- Nothing to restore: the settings removed here were never the host's.
