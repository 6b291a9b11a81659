-- Schema: every PL/pgSQL function in api and internal passes plpgsql_check (errors, and its extra
-- and other warnings): migrate applies bodies with check_function_bodies off, so a broken one
-- would otherwise be found only when called. Skipped where the server lacks the extension.
begin;
select plan(2);

-- A body that refers to a column that does not exist: the check must find it.
create function internal.zz_broken() returns integer language plpgsql as $$
declare x integer;
begin
  select nope into x from wa_data.whatsapp_groups;
  return x;
end $$;

create temp table findings (fn text, level text, message text, lineno integer);
do $$
begin
  if exists (select from pg_extension where extname = 'plpgsql_check') then
    execute $q$
      insert into findings
      select p.oid::regprocedure::text, r.level, r.message, r.lineno
      from pg_proc p
      -- A trigger function is checked against its table and every transition table its
      -- triggers name (one function may serve an insert, an update and a delete trigger).
      left join lateral (select min(t.tgrelid) as tgrelid, max(t.tgoldtable) as oldtable, max(t.tgnewtable) as newtable
                         from pg_trigger t where t.tgfoid = p.oid) tg on true
      cross join lateral tests.plpgsql_check_function_tb(p.oid, coalesce(tg.tgrelid, 0),
        extra_warnings := true, other_warnings := true, performance_warnings := false,
        oldtable := tg.oldtable, newtable := tg.newtable) r
      where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
        and p.prolang = (select oid from pg_language where lanname = 'plpgsql')$q$;
  end if;
end $$;

select case when not exists (select from pg_extension where extname = 'plpgsql_check')
  then skip('plpgsql_check is not installed here', 1)
  else is_empty($$select fn || ': ' || level || ' line ' || lineno || ': ' || message from findings
                  where fn <> 'internal.zz_broken()'$$,
                'every PL/pgSQL body in api and internal passes plpgsql_check') end;
select case when not exists (select from pg_extension where extname = 'plpgsql_check')
  then skip('plpgsql_check is not installed here', 1)
  else isnt_empty($$select from findings where fn = 'internal.zz_broken()' and level = 'error'$$,
                  'and it finds a body that refers to a column that does not exist') end;

select * from finish();
rollback;
