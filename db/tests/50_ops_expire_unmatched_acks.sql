-- Ops: expire_unmatched_acks expires the error ACKs that waited longer than olderThanSeconds (and
-- only those); an expired ACK no longer fails a send recorded later.
begin;
select plan(5);

select from tests.make_campaign('wa_x', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_x", "messageId": "X1", "errorCode": 420}');
select from api.record_message_error('{"sessionId": "wa_x", "messageId": "X2", "errorCode": 420}');
select from tests.act_as_admin();
update message_error_inbox set received_at = now() - interval '2 hours' where message_id = 'X1';

select from tests.act_as('ops');
select is(api.expire_unmatched_acks('{"olderThanSeconds": 3600}'), '{"expired": 1, "olderThanSeconds": 3600}'::jsonb,
  'the ACK older than an hour is expired');
select is(tests.api_error($$select api.expire_unmatched_acks('{"olderThanSeconds": -1}')$$) ->> 'code', 'invalid_age',
  'a negative age is refused');
select from tests.act_as_admin();
select is((select array_agg((message_id, expired_at is not null)::text order by message_id) from message_error_inbox),
  array['(X1,t)', '(X2,f)'], 'the fresh one still waits');

select from tests.act_as('crm');
select is(tests.mark_sent((select id from c), 1, 2, 'X') - 'campaign' - 'campaignId',
  '{"sent": 1, "failed": 0, "failedByEarlyAck": 1, "unchanged": 0}'::jsonb,
  'the sends: the expired ACK fails nothing, the waiting one fails its row');
select from tests.act_as_admin();
select is((select status::text from notification_campaign_groups where message_id = 'X1'), 'sent', 'X1 is sent');

select * from finish();
rollback;
