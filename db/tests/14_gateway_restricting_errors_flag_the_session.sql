-- Gateway: an error whose code means the account is restricted (463) flags its session, also when
-- the ACK names no session (the session of the row its message id names); other codes do not.
begin;
select plan(2);

select from tests.make_campaign('wa_r', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'R');

select from tests.act_as('gateway');
select from api.record_message_error('{"messageId": "R1", "errorCode": 420}');
select from tests.act_as_admin();
select is((select restricted_at from whatsapp_sessions where session_id = 'wa_r'), null, 'an ordinary error flags nothing');

select from tests.act_as('gateway');
select from api.record_message_error('{"messageId": "R2", "errorCode": 463}');
select from tests.act_as_admin();
select is((select (restricted_at is not null, restricted_code)::text from whatsapp_sessions where session_id = 'wa_r'), '(t,463)',
  'a sessionless 463 flags the session of the row it names');

select * from finish();
rollback;
