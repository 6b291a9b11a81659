-- Gateway: what the inbox and the quarantine keep of a body is bounded. An event over
-- internal.limit('rawEventBytes') is still recorded (and applied), with its known fields only, and
-- answered with "truncated": true; a refused body is kept as a preview.
begin;
select plan(7);

select from tests.make_campaign('wa_big', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'BIG');

select from tests.act_as('gateway');
create temp table r as select api.record_message_error(jsonb_build_object(
  'sessionId', 'wa_big', 'messageId', 'BIG1', 'errorCode', 420, 'errorMessage', 'rejected',
  'padding', repeat('x', 1500000))) as answer;
select from tests.act_as_admin();

select is((select answer -> 'results' -> 0 ->> 'outcome' from r), 'applied', 'an oversize ACK is still applied');
select is((select answer -> 'results' -> 0 -> 'truncated' from r), 'true'::jsonb, '… and answered truncated: true');
select cmp_ok((select octet_length(raw::text) from message_error_inbox where message_id = 'BIG1'), '<=', internal.limit('rawEventBytes'),
  'the inbox keeps at most the limit');
select is((select raw - '_bytes' from message_error_inbox where message_id = 'BIG1'),
  '{"_truncated": true, "sessionId": "wa_big", "messageId": "BIG1", "errorCode": 420, "errorMessage": "rejected"}'::jsonb,
  '… with every known field');
select cmp_ok((select raw_bytes from message_error_inbox where message_id = 'BIG1'), '>', 1500000, 'and the size received');

select from tests.act_as('gateway');
select from api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('messageId', 'Q' || i, 'padding', repeat('y', 2000))) from generate_series(1, 1001) i)));
select from tests.act_as_admin();
select cmp_ok((select octet_length(raw::text) from message_error_quarantine where code = 'batch_too_large' order by id desc limit 1),
  '<=', internal.limit('rawEventBytes') + 200, 'a refused 1,001-event body is kept as a bounded preview');
select is((select raw ->> '_truncated' from message_error_quarantine where code = 'batch_too_large' order by id desc limit 1),
  'true', '… marked as such');

select * from finish();
rollback;
