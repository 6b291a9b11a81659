-- Keys: a gateway key bound to one session gives that session to the events that name none.
begin;
select plan(2);

select from internal.create_api_key('wak_test_one_0123456789abcdef0123456789abcdef012', 'gateway', 't-one', array['wa_one']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_one_0123456789abcdef0123456789abcdef012"}', '/rpc/record_message_error');
select from internal.pre_request();
select is(api.record_message_error('{"messageId": "ONE1", "errorCode": 420}') -> 'results' -> 0 ->> 'outcome', 'pending_match',
  'an ACK naming no session is taken');
select from tests.act_as_admin();
select is((select session_id::text from message_error_inbox where message_id = 'ONE1'), 'wa_one', '… as its key''s one session''s');

select * from finish();
rollback;
