-- Gateway: an error whose code means the account is restricted (463) flags its session; other codes
-- do not, and neither does an ACK that names no session (it is quarantined: session_required).
begin;
select plan(3);

select from tests.make_campaign('wa_r', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'R');

select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_r", "messageId": "R1", "errorCode": 420}');
select from tests.act_as_admin();
select is((select restricted_at from whatsapp_sessions where session_id = 'wa_r'), null, 'an ordinary error flags nothing');

select from tests.act_as('gateway');
select is(api.record_message_error('{"messageId": "R2", "errorCode": 463}') #>> '{results,0,code}', 'session_required',
  'a 463 that names no session is quarantined');
select from api.record_message_error('{"sessionId": "wa_r", "messageId": "R2", "errorCode": 463}');
select from tests.act_as_admin();
select is((select (restricted_at is not null, restricted_code)::text from whatsapp_sessions where session_id = 'wa_r'), '(t,463)',
  'a 463 flags its session');

select * from finish();
rollback;
