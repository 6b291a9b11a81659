-- Limits: every role PostgREST switches to has a statement timeout, so one bad caller cannot
-- hold the database (API-key requests get theirs from internal.pre_request, tested in 40).
-- anon is ours only where we created it: in a host project (Supabase) it is the platform's, and
-- its settings are the host's to make.
begin;
select plan(4);

select is(internal.role_statement_timeout('gateway'), '30s', 'gateway statements stop after 30 s');
select is(internal.role_statement_timeout('crm'), '30s', 'crm statements stop after 30 s');
select case when exists (select from pg_roles where rolname = 'supabase_admin')
  then skip('anon is the host''s role here', 1)
  else is(internal.role_statement_timeout('anon'), '2s', 'anonymous statements stop after 2 s') end;
select is(
  (select count(*)::int from pg_roles r where r.rolname in ('gateway', 'crm')
     and internal.role_statement_timeout(r.rolname) is null),
  0, 'no role of ours is without a timeout');

select * from finish();
rollback;
