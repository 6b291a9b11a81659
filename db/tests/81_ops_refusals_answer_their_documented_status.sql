-- Ops and the front door: each refusal of resolve_quarantined and of the pre-request hook answers
-- the status docs/errors.md gives its code (pgTAP 65 does the same for the other RPCs), a replay
-- that cannot be made is refused before anything is replayed (a body kept in part, one kept
-- before its endpoint was recorded), and the refusals answered rather than raised set their 422.
-- (Found by generated mutants: 422 → 423, 409 → 408, 404 → 405, 405 → 406 lived, and so did a
-- dropped refusal, because the files checked the code alone, or a status an earlier call had set.)
begin;
select plan(23);

-- Quarantined bodies: an error ACK that named no session, one kept in part, one kept before its
-- endpoint was recorded, a WAHA body.
insert into message_error_quarantine (code, reason, raw, endpoint) values
  ('session_required', 'r', '{"messageId": "RQ1", "errorCode": 420}', 'record_message_error'),
  ('raw_too_large', 'r', '{"_truncated": true, "messageId": "RQ2"}', 'record_message_error'),
  ('invalid_body', 'r', '{"sessionId": "wa_rq", "messageId": "RQ3"}', null),
  ('invalid_signature', 'r', '{"event": "message.ack", "session": "wa_rq"}', 'waha_webhook'),
  ('invalid_error_code', 'r', '{"sessionId": "wa_other", "messageId": "RQ1", "errorCode": "x"}', 'record_message_error'),
  ('batch_refused', 'r', '{"events": [{"messageId": "RQ1", "errorCode": 420}]}', 'record_message_error'),
  ('dismissed_once', 'r', '{}', 'record_message_error');
create temp table q as select code, id from message_error_quarantine;
grant select on q to public;
select from tests.make_campaign('wa_rq', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'RQ');

select from tests.act_as('ops');
select is(tests.refusal($$select api.resolve_quarantined('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'a body that is not an object: 400 invalid_body');
select is(tests.refusal($$select api.resolve_quarantined('{"id": "1", "action": "dismiss"}')$$),
  '{"status": 422, "code": "invalid_quarantine_id"}', 'an id that is not a number: 422 invalid_quarantine_id');
select is(tests.refusal($$select api.resolve_quarantined('{"id": 1, "action": "drop"}')$$),
  '{"status": 422, "code": "invalid_action"}', 'an action that is neither dismiss nor replay: 422 invalid_action');
select is(tests.refusal($$select api.resolve_quarantined('{"id": 1, "action": "dismiss", "sessionId": "wa_rq"}')$$),
  '{"status": 422, "code": "invalid_session_id"}', 'a sessionId with dismiss: 422 invalid_session_id');
select is(tests.refusal($$select api.resolve_quarantined('{"id": 999999999, "action": "dismiss"}')$$),
  '{"status": 404, "code": "quarantine_not_found"}', 'an id nothing has: 404 quarantine_not_found');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "replay"}')$$, (select id from q where code = 'raw_too_large'))),
  '{"status": 409, "code": "quarantine_truncated"}', 'a body kept in part is not replayed: 409 quarantine_truncated');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "replay"}')$$, (select id from q where code = 'invalid_body'))),
  '{"status": 409, "code": "quarantine_kind_unknown"}', 'a body whose endpoint is unknown is not replayed: 409 quarantine_kind_unknown');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "replay", "sessionId": "wa_rq"}')$$, (select id from q where code = 'invalid_signature'))),
  '{"status": 409, "code": "replay_session_not_applicable"}', 'a webhook body takes no sessionId: 409 replay_session_not_applicable');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "replay", "sessionId": "wa_rq"}')$$, (select id from q where code = 'invalid_error_code'))),
  '{"status": 409, "code": "replay_session_not_applicable"}', 'an event naming another session is not moved: 409 replay_session_not_applicable');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "replay", "sessionId": "wa_rq"}')$$, (select id from q where code = 'batch_refused'))),
  '{"status": 409, "code": "replay_session_not_applicable"}', 'a batch takes no sessionId: 409 replay_session_not_applicable');
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from q where code = 'dismissed_once'), 'action', 'dismiss')) ->> 'resolution',
  'dismissed', 'a body dismissed once');
select is(tests.refusal(format($$select api.resolve_quarantined('{"id": %s, "action": "dismiss"}')$$, (select id from q where code = 'dismissed_once'))),
  '{"status": 409, "code": "already_resolved"}', '… cannot be resolved again: 409 already_resolved');
-- Answered, not raised: the status is the response's.
select from set_config('response.status', '', true);
select is(api.resolve_quarantined(jsonb_build_object('id', (select id from q where code = 'session_required'), 'action', 'replay', 'sessionId', 'wa_none'))
  ->> 'code', 'replay_session_mismatch', 'a session without the message: replay_session_mismatch');
select is(current_setting('response.status'), '422', '… answered 422');
select from tests.act_as_admin();
select is((select array_agg(code) from message_error_quarantine where resolved_at is not null), array['dismissed_once'], 'nothing was resolved by the refusals');

-- The pre-request hook (as PostgREST calls it, as anon, with the request's method, path and headers).
select from internal.create_api_key('wak_test_ops_0123456789abcdef0123456789abcdef012', 'ops', 't-ops');
create function pg_temp.request(method text, headers jsonb, path text) returns void language sql as $$
  select tests.with_headers(headers, path), set_config('request.method', method, true)
$$;
create function pg_temp.front_door(method text, headers jsonb, path text) returns jsonb language plpgsql as $$
begin
  perform tests.act_as('anon');
  perform pg_temp.request(method, headers, path);
  return tests.refusal('select internal.pre_request()');
end $$;
select is(pg_temp.front_door('POST', '{}', '/rpc/expire_unmatched_acks'),
  '{"status": 401, "code": "missing_credentials"}', 'no key: 401 missing_credentials');
select from tests.act_as_admin();
select is(pg_temp.front_door('POST', '{"x-api-key": "wak_test_nobody_0123456789abcdef0123456789abcdef"}', '/rpc/expire_unmatched_acks'),
  '{"status": 401, "code": "invalid_api_key"}', 'an unknown key: 401 invalid_api_key');
select from tests.act_as_admin();
select ok((select tests.api_error('select internal.pre_request()') ->> 'hint' from pg_temp.request('POST', '{}', '/rpc/evolution_webhook'), tests.act_as('anon')) like '%per-instance%',
  'a 401 on the Evolution webhook hints at its per-instance headers');
select from tests.act_as_admin();
select is((select tests.api_error('select internal.pre_request()') ->> 'hint' from pg_temp.request('POST', '{}', '/rpc/sync_groups'), tests.act_as('anon')), null,
  '… a 401 elsewhere has no such hint');
select from tests.act_as_admin();
select is(pg_temp.front_door('POST', '{"x-api-key": "wak_test_ops_0123456789abcdef0123456789abcdef012"}', '/rpc/create_campaign'),
  '{"status": 403, "code": "forbidden"}', 'an RPC of another role: 403 forbidden');
select from tests.act_as_admin();
select is(pg_temp.front_door('PATCH', '{"x-api-key": "wak_test_ops_0123456789abcdef0123456789abcdef012"}', '/quarantine'),
  '{"status": 403, "code": "forbidden"}', 'a write to a view the role reads: 403 forbidden');
select from tests.act_as_admin();
select is(pg_temp.front_door('GET', '{"x-api-key": "wak_test_ops_0123456789abcdef0123456789abcdef012"}', '/no_such_view'),
  '{"status": 404, "code": "not_found"}', 'no such endpoint: 404 not_found');
select from tests.act_as_admin();
select is(pg_temp.front_door('POST', '{"x-api-key": "wak_test_ops_0123456789abcdef0123456789abcdef012"}', '/rpc/metrics'),
  '{"status": 405, "code": "method_not_allowed"}', 'the metrics document with POST: 405 method_not_allowed');
select from tests.act_as_admin();

select * from finish();
rollback;
