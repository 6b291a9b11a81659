-- Limits: every role PostgREST switches to has a statement timeout, so one bad caller cannot
-- hold the database (API-key requests get theirs from internal.pre_request, tested in 40).
begin;
select plan(4);

select is(internal.role_statement_timeout('gateway'), '30s', 'gateway statements stop after 30 s');
select is(internal.role_statement_timeout('crm'), '30s', 'crm statements stop after 30 s');
select is(internal.role_statement_timeout('anon'), '2s', 'anonymous statements stop after 2 s');
select is(
  (select count(*)::int from pg_roles r where r.rolname in ('anon', 'gateway', 'crm')
     and internal.role_statement_timeout(r.rolname) is null),
  0, 'no API role is without a timeout');

select * from finish();
rollback;
