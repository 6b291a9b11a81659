-- Ops: resolve_quarantined dismisses a quarantined body, or replays it to the endpoint it came to:
-- refused again (any 4xx, 400 included) it stays unresolved and nothing is kept twice (the refusal
-- answered with its status, details an object); a resolved body cannot be resolved again. A
-- session-less event (session_required) replays into the session ops names, only one that has
-- its message, and the row keeps that session and the resolving key.
begin;
select plan(17);

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
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from q where code = 'invalid_body'), 'action', 'replay'))
    - 'message' - 'hint',
  '{"code": "replay_refused", "details": {"endpoint": "record_message_error", "code": "invalid_body", "message": "The body must be a JSON object: one event, or {\"events\": [...]}."}}'::jsonb,
  'a replay refused with 400 is refused, its details an object');
select is(current_setting('response.status'), '422', '… answered 422');
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

-- A session-less ACK from a key bound to two sessions: session_required, kept.
select from tests.make_campaign('wa_r', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'R');
select from tests.make_campaign('wa_other', 1);
create temp table k as select internal.create_api_key('wak_test_two_sessions_0123456789abcdef0123456789', 'gateway', 't-two',
  array['wa_r', 'wa_other']) as gw, internal.create_api_key('wak_test_ops_replay_0123456789abcdef0123456789ab', 'ops', 't-ops') as ops;
grant select on k to public;
select from tests.act_as('gateway');
select from (select set_config('wa.api_key_id', (select gw::text from k), true), set_config('wa.api_key_sessions', '{wa_r,wa_other}', true)) s;
select from api.record_message_error('{"messageId": "R1", "errorCode": 463}');
select from tests.act_as_admin();
create temp table sq as select id from message_error_quarantine where code = 'session_required';
grant select on sq to public;
select from tests.act_as('ops');
select from (select set_config('wa.api_key_id', (select ops::text from k), true), set_config('wa.api_key_sessions', '', true)) s;
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from sq), 'action', 'replay', 'sessionId', 'wa_other'))
    -> 'details', '{"sessionId": "wa_other", "messageId": "R1"}'::jsonb, 'a session without that message is refused');
select is(current_setting('response.status'), '422', '… 422 replay_session_mismatch');
select is(tests.api_error(format($$select api.resolve_quarantined('{"id": %s, "action": "dismiss", "sessionId": "wa_r"}')$$,
    (select id from sq))) ->> 'code', 'invalid_session_id', 'sessionId comes with replay only');
select is(tests.api_error(format($$select api.resolve_quarantined('{"id": %s, "action": "replay", "sessionId": "  "}')$$,
    (select id from sq))) ->> 'code', 'invalid_session_id', 'a blank sessionId is refused');
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from sq), 'action', 'replay', 'sessionId', 'wa_r'))
    -> 'replay' -> 'results' -> 0 ->> 'outcome', 'applied', 'into the session that sent it: applied');
select from tests.act_as_admin();
select is((select (status, error_code)::text from notification_campaign_groups where message_id = 'R1'), '(failed,463)',
  '… its row failed with the error');
select is((select (resolution, session_id, resolved_by = (select ops from k))::text from message_error_quarantine where id = (select id from sq)),
  '(replayed,wa_r,t)', 'the row keeps the session and the ops key that replayed it');
select is((select api_key_id from message_error_inbox where message_id = 'R1'), (select ops from k), 'the ACK is recorded under the ops key');

-- Only a single event naming no session takes a sessionId: not a webhook body.
insert into message_error_quarantine (code, reason, raw, endpoint) values
  ('invalid_signature', 'x', '{"event": "message.ack", "session": "wa_r", "payload": {}}', 'waha_webhook');
create temp table wq as select max(id) as id from message_error_quarantine;
grant select on wq to public;
select from tests.act_as('ops');
select is(tests.api_error(format($$select api.resolve_quarantined('{"id": %s, "action": "replay", "sessionId": "wa_r"}')$$,
    (select id from wq))) ->> 'code', 'replay_session_not_applicable', 'a webhook body takes no sessionId');

select * from finish();
rollback;
