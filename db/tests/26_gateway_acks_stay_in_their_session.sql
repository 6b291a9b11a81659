-- Gateway: an event acts within the session (and group) it names: an ACK or progress naming
-- another session leaves this session's row alone, and a waiting ACK of another session or group
-- never fails a send recorded later.
begin;
select plan(7);

select from tests.make_campaign('wa_a', 3);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;  -- read while acting as other roles
select from tests.mark_sent((select id from c), 1, 1, 'S');  -- S1: sent in wa_a

select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_b", "messageId": "S1", "errorCode": 420}') -> 'results' -> 0 ->> 'outcome',
  'pending_match', 'an ACK naming another session waits: the row with that id is not its session''s');
select from tests.act_as_admin();
select is((select status::text from notification_campaign_groups where message_id = 'S1'), 'sent',
  '… and the row of wa_a is still sent');

-- Waiting ACKs: one of another session, one naming another group; then the sends arrive.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_b", "messageId": "S2", "errorCode": 420}');
select from api.record_message_error(format('{"sessionId": "wa_a", "messageId": "S3", "groupJid": "%s", "errorCode": 420}',
  tests.jid(9))::jsonb);
select from tests.act_as('crm');
select is(tests.mark_sent((select id from c), 2, 3, 'S') - 'campaign' - 'campaignId',
  '{"sent": 2, "failed": 0, "failedByEarlyAck": 0, "unchanged": 0}'::jsonb,
  'neither waiting ACK (another session, another group) fails these sends');

-- Progress of another session for the same id arrives first; then this session's own.
select from tests.act_as('gateway');
select is(api.record_message_status('{"sessionId": "wa_b", "messageId": "S2", "status": "read"}') -> 'results' -> 0 ->> 'outcome',
  'pending_match', 'progress naming another session waits');
select is(api.record_message_status('{"sessionId": "wa_a", "messageId": "S2", "status": "delivered"}') -> 'results' -> 0 ->> 'outcome',
  'applied', 'this session''s progress applies');
select from tests.act_as_admin();
select is((select (delivered_at is not null, read_at is null)::text from notification_campaign_groups where message_id = 'S2'),
  '(t,t)', '… with its own time only: the other session''s read is not this row''s');
select ok(tests.totals_match((select id from c)), 'totals equal the row counts');

select * from finish();
rollback;
