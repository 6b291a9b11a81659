-- Ops: resolve_quarantined dismisses a quarantined body, or replays it to the endpoint it came to:
-- refused again (any 4xx, 400 included) it stays unresolved and nothing is kept twice; a resolved
-- body cannot be resolved again.
begin;
select plan(7);

select from tests.make_campaign('wa_q', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'Q');
select from tests.act_as('gateway');
select from api.record_message_error('[]');                                     -- 400 invalid_body
select from api.record_message_error('{"messageId": "Q1", "errorCode": "x"}');  -- 422 invalid_error_code
select from tests.act_as_admin();
-- A WAHA body refused for its signature: a replay by an operator does not check it again.
insert into internal.webhook_secrets (gateway, session_id, secret) values ('waha', 'wa_q', 'waha-hmac-key-0123456789');
select from tests.act_as('gateway');
select from api.waha_webhook(json_build_object('event', 'message.ack', 'session', 'wa_q', 'payload', json_build_object(
  'id', format('true_%s_Q1', tests.jid(1)), 'fromMe', true, 'ack', -1, 'ackName', 'ERROR', 'error', json_build_object('code', '420'))));
select from tests.act_as_admin();
create temp table q as select code, id from message_error_quarantine;
grant select on q to public;

select from tests.act_as('ops');
select is(tests.api_error(format($$select api.resolve_quarantined('{"id": %s, "action": "replay"}')$$,
    (select id from q where code = 'invalid_body'))) ->> 'code', 'replay_refused', 'a replay refused with 400 is refused');
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from q where code = 'invalid_error_code'), 'action', 'dismiss')),
  jsonb_build_object('id', (select id from q where code = 'invalid_error_code'), 'resolution', 'dismissed'), 'dismissed');
select is(tests.api_error(format($$select api.resolve_quarantined('{"id": %s, "action": "dismiss"}')$$,
    (select id from q where code = 'invalid_error_code'))) ->> 'code', 'already_resolved', 'a resolved body cannot be resolved again');
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from q where code = 'invalid_signature'), 'action', 'replay'))
    -> 'replay' ->> 'outcome', 'recorded', 'the WAHA body replays without its signature');
select is(tests.api_error($$select api.resolve_quarantined('{"id": 999999, "action": "dismiss"}')$$) ->> 'status', '404',
  'an unknown id is a 404');
select from tests.act_as_admin();
select is((select array_agg((code, resolution)::text order by code) from message_error_quarantine),
  array['(invalid_body,)', '(invalid_error_code,dismissed)', '(invalid_signature,replayed)'], 'one row each; the refused replay kept nothing');
select is((select status::text from notification_campaign_groups where message_id = 'Q1'), 'failed', 'the replayed ACK failed its row');

select * from finish();
rollback;
