-- The statement_timeout set on a role (ALTER ROLE ... SET), so API-key requests get the same
-- limit that PostgREST applies to JWT requests of that role. PL/pgSQL to keep its plan (per request).
create or replace function internal.role_statement_timeout(role_name name)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select split_part(c, '=', 2)
          from pg_db_role_setting s, unnest(s.setconfig) c
          where s.setrole = (select oid from pg_roles where rolname = role_name)
            and s.setdatabase = 0 and c like 'statement_timeout=%');
end
$$;
revoke all on function internal.role_statement_timeout(name) from public;
-- Called by internal.pre_request, which runs as any role of the host: executable by PUBLIC.
grant execute on function internal.role_statement_timeout(name) to public;
