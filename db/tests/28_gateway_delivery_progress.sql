-- Gateway: delivery progress (record_message_status) lands on its sent row: read (and played)
-- implies delivered, the earliest time wins whatever order updates arrive in, a time is never
-- after now nor before the send, and a failed row takes none (its failure stands).
begin;
select plan(13);

select from tests.make_campaign('wa_p', 5);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 5, 'P');
-- The sends an hour ago, so that times between the send and now can be told apart.
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = (select id from c);
create temp table t as select extract(epoch from date_trunc('second', now()) - interval '30 minutes')::bigint as half_hour_ago;
grant select on t to public;

select from tests.act_as('gateway');
select is(api.record_message_status(jsonb_build_object('sessionId', 'wa_p', 'messageId', 'P1', 'status', 'read', 'at', (select half_hour_ago from t)))
  -> 'results' -> 0 ->> 'outcome', 'applied', 'a read applies');
select is(api.record_message_status(jsonb_build_object('sessionId', 'wa_p', 'messageId', 'P1', 'status', 'delivered', 'at', (select half_hour_ago + 600 from t)))
  -> 'results' -> 0 ->> 'outcome', 'unchanged', 'a later delivery of a message read earlier changes nothing');
select is(api.record_message_status('{"sessionId": "wa_p", "messageId": "P2", "status": "played"}') -> 'results' -> 0 ->> 'outcome',
  'applied', 'played (a voice note) is a status');
select from api.record_message_status(jsonb_build_object('sessionId', 'wa_p', 'messageId', 'P3', 'status', 'delivered',
  'at', to_char(now() + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
select from api.record_message_status(jsonb_build_object('sessionId', 'wa_p', 'messageId', 'P4', 'status', 'delivered',
  'at', (select half_hour_ago - 5400 from t)));
select from api.record_message_error('{"sessionId": "wa_p", "messageId": "P5", "errorCode": 420}');
select is(api.record_message_status('{"sessionId": "wa_p", "messageId": "P5", "status": "delivered"}') -> 'results' -> 0 ->> 'outcome',
  'unchanged', 'progress for a failed row changes nothing');
select is(api.record_message_status('{"sessionId": "wa_p", "messageId": "P1", "status": "seen"}') ->> 'code', 'invalid_progress_status',
  'an unknown status is quarantined');
select from tests.act_as_admin();

select is((select (delivered_at, read_at)::text from notification_campaign_groups where message_id = 'P1'),
  (select (to_timestamp(half_hour_ago), to_timestamp(half_hour_ago))::text from t), 'a read message was delivered too, at its time');
select is((select delivered_at from message_status_inbox where message_id = 'P1'), (select to_timestamp(half_hour_ago) from t),
  'the inbox keeps the earliest delivery time');
select is((select (delivered_at = read_at and read_at is not null)::text from notification_campaign_groups where message_id = 'P2'),
  'true', 'played counts as read and delivered');
select is((select delivered_at from notification_campaign_groups where message_id = 'P3'), now(),
  'a time in the future is taken as now');
select is((select delivered_at = sent_at from notification_campaign_groups where message_id = 'P4'), true,
  'a time before the send is taken as the send''s');
select is((select (status, delivered_at)::text from notification_campaign_groups where message_id = 'P5'), '(failed,)',
  'the failed row has no delivery time');
select is((select (delivered_count, read_count)::text from notification_campaigns where id = (select id from c)), '(4,2)',
  'the campaign counts four delivered, two read');

select from tests.act_as('gateway');
select is(api.record_message_status('{"sessionId": "wa_p", "messageId": 12345, "status": "read"}') ->> 'code', 'invalid_message_id',
  'a messageId that is a number, not a string, is refused (a message id is text: it may have leading zeros)');
select from tests.act_as_admin();

select * from finish();
rollback;
