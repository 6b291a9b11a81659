-- Gateway: an error ACK's failed_at is the gateway's time (`at`), never after now and never
-- before the row's send (clock skew either way); an ACK that arrived before the send fails the
-- row when the send is recorded, and then.
begin;
select plan(4);

select from tests.make_campaign('wa_t', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 3, 'T');
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = (select id from c);

select from tests.act_as('gateway');
select from api.record_message_error(jsonb_build_object('events', jsonb_build_array(
  jsonb_build_object('sessionId', 'wa_t', 'messageId', 'T1', 'errorCode', 420, 'at', to_char(now() + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
  jsonb_build_object('sessionId', 'wa_t', 'messageId', 'T2', 'errorCode', 420, 'at', extract(epoch from now() - interval '2 hours')::bigint),
  jsonb_build_object('sessionId', 'wa_t', 'messageId', 'T3', 'errorCode', 420, 'at', extract(epoch from date_trunc('second', now()) - interval '30 minutes')::bigint))));
select from tests.act_as_admin();

select is((select failed_at from notification_campaign_groups where message_id = 'T1'), now(), 'a time in the future is taken as now');
select is((select failed_at = sent_at from notification_campaign_groups where message_id = 'T2'), true,
  'a time before the send is taken as the send''s');
select is((select failed_at from notification_campaign_groups where message_id = 'T3'), date_trunc('second', now()) - interval '30 minutes',
  'a time between the two is kept');


select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_t", "messageId": "T4", "errorCode": 420}');
select from tests.act_as('crm');
select from tests.mark_sent((select id from c), 4, 4, 'T');
select from tests.act_as_admin();
select is((select (status, failed_at)::text from notification_campaign_groups where message_id = 'T4'), format('(failed,"%s")', now()),
  'failed by the ACK that came first, when its send is recorded');

select * from finish();
rollback;
