-- CRM: a campaign leaves draft or scheduled with its first send result, failures included, and
-- gets its finished_at when it reaches any final status (partial_failure too: retention counts
-- from it); a late error that moves it between final statuses keeps that time.
begin;
select plan(7);

-- A draft whose first (and only) results are failures.
select from tests.make_campaign('wa_f', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(1), 'errorCode', 420),
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420)))) -> 'campaign' ->> 'status',
  'failed', 'a draft whose first results are all failures is failed');
select from tests.act_as_admin();
select isnt((select finished_at from notification_campaigns where id = (select id from c)), null, '… and finished');

-- A scheduled campaign whose first result is a failure.
select from tests.make_campaign('wa_g', 3, 'scheduled');
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends',
    jsonb_build_array(jsonb_build_object('groupJid', tests.jid(1), 'errorMessage', 'not allowed')))) -> 'campaign' ->> 'status',
  'sending', 'a scheduled campaign whose first result is a failure is sending');
select from tests.act_as_admin();

-- partial_failure is final: it has a finished_at.
select from tests.make_campaign('wa_h', 2);
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'H1'), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420))));
select from tests.act_as_admin();
select is((select (status, finished_at is not null)::text from notification_campaigns order by id desc limit 1),
  '(partial_failure,t)', 'partial_failure has its finished_at');

-- A completed campaign that finished a day ago; then a late error.
select from tests.make_campaign('wa_k', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'K');
update notification_campaigns set finished_at = now() - interval '1 day' where id = (select max(id) from notification_campaigns);
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_k", "messageId": "K1", "errorCode": 420}');
select from tests.act_as_admin();
select is((select status::text from notification_campaigns order by id desc limit 1), 'partial_failure',
  'a late error makes it partial_failure');
select is((select finished_at from notification_campaigns order by id desc limit 1), now() - interval '1 day',
  '… and it keeps the time it first finished');
select ok(tests.totals_match((select id from c)), 'totals equal the row counts');

select * from finish();
rollback;
