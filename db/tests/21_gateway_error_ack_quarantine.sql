-- Gateway: an ACK that fails validation is answered 4xx with a stable code, kept in quarantine
-- with its reason, and valid events of the same batch are still recorded.
begin;
select plan(14);

select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_x", "messageId": 42}') ->> 'code', 'invalid_message_id', 'a numeric messageId is refused');
select is(current_setting('response.status', true), '422', 'with status 422 (and the transaction is kept)');
select is(api.record_message_error('{"event": "message_ack", "messageId": "A"}') ->> 'code', 'invalid_event_type', 'a wrong event');
select is(api.record_message_error('{"sessionId": "wa_x", "messageId": "A", "errorCode": "rate-overlimit"}') ->> 'code', 'invalid_error_code', 'a non-numeric errorCode');
select is(api.record_message_error(jsonb_build_object('sessionId', 'wa_x', 'messageId', 'A', 'errorMessage', repeat('x', 5000))) ->> 'code',
  'invalid_error_message', 'an oversized errorMessage');
select is(api.record_message_error('[]') ->> 'code', 'invalid_body', 'a body that is not an object');
select is(current_setting('response.status', true), '400', '… is a 400');
select is(api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_x', 'messageId', 'M' || i)) from generate_series(1, 1001) i))) ->> 'code',
  'batch_too_large', 'more than 1000 events');
select is(current_setting('response.status', true), '413', '… is a 413');

select is(
  api.record_message_error('{"events": [{"sessionId": "wa_x", "messageId": "OK1"}, {"sessionId": "wa_x", "messageId": ""}]}') -> 'counts',
  '{"applied": 0, "duplicate": 0, "pending_match": 1, "quarantined": 1}'::jsonb,
  'a mixed batch records the valid event and quarantines the other');
select from tests.act_as_admin();

select is((select count(*)::int from message_error_quarantine), 7, 'every refused ACK is in quarantine with its reason');


-- Several refused events in one batch: the 422 names the first of them, and every answer gives its
-- event's place in the body (from 0), quarantined ones too.
select from tests.act_as('gateway');
create temp table mixed as
  select api.record_message_error('{"events": [{"sessionId": "wa_x", "messageId": "OK2"}, {"sessionId": "wa_x", "messageId": 7}, {"sessionId": "wa_x", "messageId": "OK3", "errorCode": "x"}]}') as r;
select is((select jsonb_build_object('code', r ->> 'code', 'index', r -> 'details' -> 'index') from mixed),
          '{"code": "invalid_message_id", "index": 1}'::jsonb, 'the 422 of a batch with two refused events names the first');
select ok((select r ->> 'message' like 'events[1]: %' from mixed), '… in its message too');
select is((select jsonb_agg(jsonb_build_object('index', x -> 'index', 'outcome', x ->> 'outcome')) from mixed, jsonb_array_elements(r -> 'results') x),
          '[{"index": 0, "outcome": "pending_match"}, {"index": 1, "outcome": "quarantined"},
            {"index": 2, "outcome": "quarantined"}]'::jsonb,
          'each answer gives its event''s place in the body, from 0');

select * from finish();
rollback;
