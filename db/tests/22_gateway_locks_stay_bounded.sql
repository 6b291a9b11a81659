-- Gateway and CRM: no call takes a number of heavyweight locks that grows with its batch size.
-- PostgreSQL's shared lock table holds max_locks_per_transaction x max_connections entries
-- (64 x 100 by default, also on Supabase); one lock per item of a 10,000-item batch would exhaust
-- it for every session. Row locks live in the tuples and are not counted there.
begin;
select plan(4);

select from tests.make_campaign('wa_locks', 2000);
create temp table c as select max(id) as id from notification_campaigns;
create temp table n (label text, locks int);
grant all on c, n to public;
create function pg_temp.my_locks() returns int language sql
  as $$ select count(*)::int from pg_locks where pid = pg_backend_pid() $$;
grant execute on function pg_temp.my_locks() to public;

select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends',
  (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i), 'messageId', 'L' || i)) from generate_series(1, 10) i)));
insert into n select 'sent 10', pg_temp.my_locks();
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends',
  (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i), 'messageId', 'L' || i)) from generate_series(11, 2000) i)));
insert into n select 'sent 2000', pg_temp.my_locks();

select from tests.act_as('gateway');
select from api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_locks', 'messageId', 'L' || i, 'errorCode', 420)) from generate_series(1, 10) i)));
insert into n select 'acks 10', pg_temp.my_locks();
select from api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_locks', 'messageId', 'L' || i, 'errorCode', 420)) from generate_series(11, 1000) i)));
insert into n select 'acks 1000', pg_temp.my_locks();
select from api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_locks', 'messageId', 'EARLY' || i)) from generate_series(1, 1000) i)));
insert into n select 'early acks 1000', pg_temp.my_locks();
select from tests.act_as_admin();

select cmp_ok((select locks from n where label = 'sent 2000') - (select locks from n where label = 'sent 10'), '<=', 5,
  'recording 1,990 more sends takes no more locks than recording 10');
select cmp_ok((select locks from n where label = 'acks 1000') - (select locks from n where label = 'acks 10'), '<=', 5,
  'a 990-event ACK batch takes no more locks than a 10-event one');
select cmp_ok((select locks from n where label = 'early acks 1000') - (select locks from n where label = 'acks 1000'), '<=', 5,
  'nor does a batch of 1,000 ACKs that match nothing yet');
select is((select count(*)::int from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'), 1,
  'no advisory locks but the one per-session lock of the sync that set up the campaign');

select * from finish();
rollback;
