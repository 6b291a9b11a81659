-- CRM: a send record takes exactly sendsPerCall sends (internal.limits(): read, never written
-- here); one more is refused whole (413) before anything is read or written.
begin;
select plan(4);

select from tests.make_campaign('wa_cap', internal.limit('sendsPerCall') + 1);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
create temp table l as select internal.limit('sendsPerCall') as sends;  -- read as the owner
grant select on l to public;

select from tests.act_as('crm');
select is(tests.api_error(format('select tests.mark_sent(%s, 1, %s)', (select id from c), (select sends + 1 from l))) ->> 'code',
  'batch_too_large', 'sendsPerCall + 1 sends are refused');
select is(tests.api_error(format('select tests.mark_sent(%s, 1, %s)', (select id from c), (select sends + 1 from l))) ->> 'status',
  '413', '… with 413');
select is((tests.mark_sent((select id from c), 1, (select sends from l)) ->> 'sent')::int, (select sends from l),
  'exactly sendsPerCall sends are recorded');
select from tests.act_as_admin();
select is((select pending_count from notification_campaigns where id = (select id from c)), 1, 'one group is left pending');

select * from finish();
rollback;
