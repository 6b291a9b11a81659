-- Schema smoke test: the objects exist, every table has RLS, no function is open to PUBLIC,
-- every SECURITY DEFINER function pins its search_path.
begin;
select plan(13);

select has_table('wa_data', 'whatsapp_groups', 'groups table exists');
select has_table('wa_data', 'notification_campaigns', 'campaigns table exists');
select has_table('wa_data', 'notification_campaign_groups', 'campaign groups table exists');
select has_table('wa_data', 'message_error_inbox', 'error ACK inbox exists');
select has_table('wa_data', 'message_error_quarantine', 'error ACK quarantine exists');
select has_table('internal', 'api_keys', 'API keys table exists');

select is_empty($$
  select c.oid::regclass::text from pg_class c
  where c.relnamespace in ('wa_data'::regnamespace, 'internal'::regnamespace)
    and c.relkind = 'r' and not c.relrowsecurity
$$, 'every table in wa_data and internal has row level security');

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
    and has_function_privilege('public', p.oid, 'execute')
    -- The pre-request hook runs as whatever role PostgREST switched to (a host's roles too), and
    -- GET / serves the OpenAPI document to anyone: these alone are PUBLIC's.
    and p.oid::regprocedure::text not in ('internal.pre_request()', 'internal.url_path(text)',
      'internal.api_key(text)', 'internal.role_statement_timeout(name)',
      'internal.raise_api_error(integer,text,text,jsonb,text)', 'internal.error_codes()', 'internal.credentials_hint(text)',
      'internal.openapi_document()', 'api.openapi()')
$$, 'no function in api or internal is executable by PUBLIC but the pre-request hook, its helpers and the OpenAPI document');

-- A statement cancelled by the role's statement_timeout answers 503 statement_timeout, not
-- PostgreSQL's 500 (docs/design.md, "Statement timeouts"): every RPC catches it.
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace = 'api'::regnamespace and p.prokind = 'f' and p.oid <> 'api.openapi()'::regprocedure
    and (p.prolang <> (select oid from pg_language where lanname = 'plpgsql')
         or p.prosrc !~ '\mwhen query_canceled then\s+raise sqlstate ''PGRST'' using message = internal\.statement_timeout_error\(\), detail = ''\{"status": 503, "headers": \{"X-Error-Code": "statement_timeout"\}\}'';\s+end\s*$')
$$, 'every RPC but the OpenAPI document answers a statement timeout with a coded 503');

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace) and p.prosecdef
    and not exists (select from unnest(p.proconfig) c where c like 'search_path=%')
$$, 'every SECURITY DEFINER function sets search_path');

-- (Which RPCs and views api has, and who may call them: test/endpoints.test.ts, from db/contracts/endpoints.json.)

select is(
  (select rolinherit from pg_roles where rolname = 'authenticator'), false,
  'authenticator is NOINHERIT');

select is_empty($$
  select c.oid::regclass::text from pg_class c where c.relnamespace = 'public'::regnamespace
$$, 'nothing of ours is in public (not even dbmate''s table)');

-- Whatever a caller does, the table itself refuses a community parent.
select throws_ok($$insert into wa_data.whatsapp_groups (session_id, group_jid, is_community)
                   values ('s1', '120363407711548023@g.us', true)$$,
  '23514', null, 'the groups table refuses a community parent, whoever writes it');

select * from finish();
rollback;
