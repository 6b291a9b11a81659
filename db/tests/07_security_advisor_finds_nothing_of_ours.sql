-- Ops (Supabase's Security Advisor): the conditions of splinter's security lints (supabase/splinter,
-- lints/00NN_*.sql, read 2026-11; written here, not copied) hold for nothing of ours, but for the
-- documented functions that keep no SET search_path (docs/design.md, "Security Advisor").
begin;
select plan(10);

-- 0011 function_search_path_mutable: a function without search_path in its configuration.
select set_eq($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
    and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
$$, array[
  -- Per-element rules the planner inlines into their callers' plans (a SET clause stops that):
  'internal.conforms(text,text)', 'internal.is_error_code(jsonb)', 'internal.error_code(jsonb)',
  'internal.parse_message_error(jsonb)', 'internal.parse_message_status(jsonb)', 'internal.message_id_parts(text)',
  'internal.group_problem(jsonb)', 'internal.group_is_sendable(timestamp with time zone,boolean)',
  'internal.event_session(text,text[])', 'internal.event_time(jsonb)',
  'internal.not_before(timestamp with time zone,timestamp with time zone)',
  -- ... and per campaign row of every totals update (the trigger's apply: twice a row; called, a
  -- SQL function is planned again in every statement that calls it):
  'internal.campaign_status(text,integer,integer,integer,integer)',
  -- PostgREST tells the pre-request hook the request's schema through search_path:
  'internal.pre_request()',
  -- A procedure that commits (PostgreSQL forbids transaction control under a SET clause):
  'internal.prune(timestamp with time zone,jsonb)'],
  'every function fixes its search_path, but the documented ones (0011)');

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
    and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
    and (p.prosecdef
         or (p.oid <> 'internal.pre_request()'::regprocedure
             -- The sendable rule, read by the security_invoker view api.sendable_groups as crm: a
             -- SQL-standard body (RETURN), bound when created, so the caller's search_path cannot
             -- change what it calls (checked below).
             and p.oid <> 'internal.group_is_sendable(timestamp with time zone,boolean)'::regprocedure
             and (has_function_privilege('public', p.oid, 'execute')
                  or exists (select from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role', 'gateway', 'crm', 'ops')
                             and has_function_privilege(r.oid, p.oid, 'execute')))))
$$, 'those run as their caller, and none of them but the pre-request hook and the sendable rule is callable by any API role');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.oid = 'internal.group_is_sendable(timestamp with time zone,boolean)'::regprocedure
    and (p.prosqlbody is null or p.prosecdef or p.prolang <> (select l.oid from pg_language l where l.lanname = 'sql'))
$$, 'the sendable rule callable by crm has a body bound when created (RETURN), and runs as its caller');

-- 0010 security_definer_view: a view of an exposed schema without security_invoker.
select is_empty($$
  select c.oid::regclass::text from pg_class c
  where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace) and c.relkind = 'v'
    and not (lower(coalesce(c.reloptions::text, '{}'))::text[]
             && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])
$$, 'every view in api (and internal''s rules, which api''s read) is security_invoker (0010)');

-- 0028 / 0029: SECURITY DEFINER functions in an exposed schema that anon or authenticated may run.
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace = 'api'::regnamespace and p.prosecdef
    and exists (select from pg_roles r where r.rolname in ('anon', 'authenticated') and has_function_privilege(r.oid, p.oid, 'execute'))
$$, 'no SECURITY DEFINER function in api is executable by anon or authenticated (0028, 0029)');

-- 0007 policy_exists_rls_disabled, 0013 rls_disabled_in_public (for our schemas).
select is_empty($$
  select c.oid::regclass::text from pg_class c
  where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace, 'wa_data'::regnamespace)
    and c.relkind in ('r', 'p') and not c.relrowsecurity
$$, 'every table of ours has row level security (0007, 0013)');

-- 0024 rls_policy_always_true: a permissive always-true write policy for anon, authenticated or PUBLIC.
select is_empty($$
  select pa.polname::text from pg_policy pa join pg_class c on c.oid = pa.polrelid
  where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace, 'wa_data'::regnamespace)
    and pa.polcmd <> 'r'
    and (pa.polroles = array[0::oid] or exists (select from unnest(pa.polroles) r where r::regrole::text in ('anon', 'authenticated')))
$$, 'no policy of ours lets anon, authenticated or PUBLIC write (0024)');

-- 0016, 0017: materialized views and foreign tables in an exposed schema.
select is_empty($$
  select c.oid::regclass::text from pg_class c where c.relnamespace = 'api'::regnamespace and c.relkind in ('m', 'f')
$$, 'api holds no materialized view or foreign table (0016, 0017)');

-- 0023 sensitive_columns_exposed, 0026 / 0027 pg_graphql_*_table_exposed: what anon or authenticated may read.
select is_empty($$
  select c.oid::regclass::text from pg_class c
  where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace, 'wa_data'::regnamespace)
    and exists (select from pg_roles r where r.rolname in ('anon', 'authenticated')
                and has_table_privilege(r.oid, c.oid, 'select'))
$$, 'anon and authenticated can read nothing of ours (0023, 0026, 0027)');

-- 0014 extension_in_public, and a guest's first rule: nothing of ours in public.
select is_empty($$
  select e.extname::text from pg_extension e
  where e.extnamespace = 'public'::regnamespace and e.extname in ('pgtap', 'plpgsql_check') -- ours, in tests
$$, 'no extension of ours is in public (0014)');

select * from finish();
rollback;
