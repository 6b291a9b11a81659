-- Gateway: the edges of what an event body may hold: exactly ackEventsPerCall events are taken
-- (one more is refused whole), an error code must be whole, and a date that does not exist
-- (31 April) is that event's problem, never the batch's.
begin;
select plan(5);

create temp table l as select internal.limit('ackEventsPerCall') as events;  -- read as the owner
grant select on l to public;
select from tests.act_as('gateway');
select is(api.record_message_error(jsonb_build_object('events',
    (select jsonb_agg(jsonb_build_object('sessionId', 'wa_x', 'messageId', 'E' || i)) from generate_series(1, (select events from l)) i))) -> 'counts',
  jsonb_build_object('applied', 0, 'duplicate', 0, 'pending_match', (select events from l), 'quarantined', 0),
  'exactly ackEventsPerCall error ACKs are taken');
select is(api.record_message_status(jsonb_build_object('events',
    (select jsonb_agg(jsonb_build_object('sessionId', 'wa_x', 'messageId', 'E' || i, 'status', 'delivered')) from generate_series(1, (select events from l) + 1) i))) ->> 'code',
  'batch_too_large', 'one more progress event is refused');
select is(api.record_message_error('{"sessionId": "wa_x", "messageId": "E1", "errorCode": 420.5}') ->> 'code', 'invalid_error_code',
  'an error code with a fraction is quarantined');
select is(api.record_message_error('{"events": [{"sessionId": "wa_x", "messageId": "D2", "at": "2026-04-31T10:00:00Z"}, {"sessionId": "wa_x", "messageId": "D3", "at": "2026-04-30T10:00:00Z"}]}')
    -> 'results' -> 0 ->> 'code', 'invalid_timestamp', '31 April is quarantined');
select from tests.act_as_admin();
select is((select count(*)::int from message_error_inbox where message_id = 'D3'), 1, '… and the valid event beside it is recorded');

select * from finish();
rollback;
