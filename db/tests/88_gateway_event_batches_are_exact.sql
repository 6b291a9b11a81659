-- Gateway: what pgTAP 17, 21, 28 and 71 leave out of the event paths, each exact. `events` that is
-- not an array is 422 invalid_events on both paths (docs/errors.md); a refused event's answer
-- carries its reason whole, its first problem's (a bad status before a missing session); the 30th
-- exists in every month but February (leap years included) and the 31st only in the seven long
-- months (the others are that event's invalid_timestamp, never the batch's error); an earlier read
-- that arrives after a later one moves read_at back (the earliest wins: pgTAP 71 does it for
-- delivered_at); progress for two sessions in one batch is kept in each session's inbox only; a
-- WAHA id whose chat is no JID is not the event's group; a body over rawEventBytes that is not an
-- object is kept as a preview of exactly rawEventBytes characters, and an object over it keeps only
-- the known fields, each of at most 4100 bytes (as JSON); an Evolution item's message id is keyId,
-- `id` only without one; a key bound to one session posting for two others is refused 403, naming
-- one of them, and so is its WAHA body for another session (nothing changed), while its WAHA body
-- whose session is not a string is 400 invalid_body (no session named, no scope to check).
begin;
select plan(49);

select from tests.make_campaign('wa_xa', 5);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 5, 'XA');
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = (select id from c);
select from tests.make_campaign('wa_xb', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'XB');
create temp table lim as select internal.limit('rawEventBytes') as n, internal.limit('ackEventsPerCall') as acks;
grant select on lim to public;
create function pg_temp.utc(ago interval) returns text language sql as $$
  select to_char(now() at time zone 'UTC' - ago, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- events that is not an array.
select from tests.act_as('gateway');
select is(api.record_message_error('{"events": {"sessionId": "wa_xa", "messageId": "XA1"}}') ->> 'code', 'invalid_events',
  'record_message_error: events that is an object is invalid_events');
select is(current_setting('response.status', true), '422', '… with 422');
select is(api.record_message_status('{"events": "XA1"}') ->> 'code', 'invalid_events',
  'record_message_status: events that is a string is invalid_events');
select is(current_setting('response.status', true), '422', '… with 422');

select is(api.record_message_error('{"events": []}') - 'hint' - 'details',
  '{"code": "empty_batch", "message": "events must hold at least one event."}'::jsonb, 'record_message_error: no events is empty_batch');
select is(current_setting('response.status', true), '422', '… with 422');
select is(api.record_message_status('{"events": []}') ->> 'code', 'empty_batch', 'record_message_status: no events is empty_batch');
select is(current_setting('response.status', true), '422', '… with 422');

select is(api.record_message_status(jsonb_build_object('events', (select jsonb_agg(jsonb_build_object('messageId', 'XA9', 'status', 'read'))
    from generate_series(1, (select acks from lim) + 1)))) ->> 'message',
  (select format('At most %s events per call; got %s.', acks, acks + 1) from lim),
  'one event too many: batch_too_large says the limit and the count');

-- A refused event's answer: its code and its whole reason.
select is(api.record_message_status('{"sessionId": "wa_xa", "messageId": "XA9", "status": "seen"}') -> 'results' -> 0,
  '{"index": 0, "outcome": "quarantined", "code": "invalid_progress_status", "message": "status must be \"delivered\", \"read\" or \"played\""}'::jsonb,
  'a progress event with an unknown status: quarantined with its whole reason');
select is(api.record_message_error('{"sessionId": "wa_xa", "messageId": "XA9", "event": "message_ack"}') -> 'results' -> 0,
  '{"index": 0, "outcome": "quarantined", "code": "invalid_event_type", "message": "event must be \"message_error\" when given"}'::jsonb,
  'an error ACK of another event type: quarantined with its whole reason');
select is(api.record_message_status('{"messageId": "XA9", "status": "seen"}') -> 'results' -> 0,
  '{"index": 0, "outcome": "quarantined", "code": "invalid_progress_status", "message": "status must be \"delivered\", \"read\" or \"played\""}'::jsonb,
  'an event with a bad status that names no session either: its code and reason are the status''s, the first problem');
select is((api.record_message_error('{"messageId": "XA9", "errorCode": "x"}') -> 'results' -> 0) - 'message',
  '{"index": 0, "outcome": "quarantined", "code": "invalid_error_code"}'::jsonb, 'the same for an error ACK with a bad code …');
select ok(api.record_message_error('{"messageId": "XA9", "errorCode": "x"}') -> 'results' -> 0 ->> 'message' like 'errorCode must be %',
  '… whose reason is the code''s');

-- The last days of each month (2026, a common year).
select from tests.act_as_admin();
select is((select array_agg(internal.event_time(to_jsonb(format('2026-%s-30T12:00:00Z', lpad(m::text, 2, '0')))) is not null order by m)
           from generate_series(1, 12) m),
  array[true, false, true, true, true, true, true, true, true, true, true, true], 'the 30th exists in every month but February');
select is((select array_agg(internal.event_time(to_jsonb(format('2026-%s-31T12:00:00Z', lpad(m::text, 2, '0')))) is not null order by m)
           from generate_series(1, 12) m),
  array[true, false, true, false, true, false, true, true, false, true, false, true],
  'the 31st only in January, March, May, July, August, October and December');
select is(array[internal.event_time('"2024-02-30T12:00:00Z"') is null, internal.event_time('"2024-02-28T12:00:00Z"') is not null],
  array[true, true], 'in a leap year too, February has no 30th (and has its 28th)');
select from tests.act_as('gateway');
select is(api.record_message_status('{"events": [{"sessionId": "wa_xa", "messageId": "XA9", "status": "read", "at": "2026-06-31T12:00:00Z"},
    {"sessionId": "wa_xa", "messageId": "XA8", "status": "read", "at": "2026-09-30T12:00:00Z"}]}') -> 'results',
  '[{"index": 0, "outcome": "quarantined", "code": "invalid_timestamp", "message": "at must be an ISO 8601 time with its zone (one that exists), or epoch seconds"},
    {"index": 1, "messageId": "XA8", "outcome": "pending_match"}]'::jsonb,
  '31 June is that event''s invalid_timestamp, 30 September a time');

-- Reads: the later first, then the earlier.
select from api.record_message_status(jsonb_build_object('sessionId', 'wa_xa', 'messageId', 'XA1', 'status', 'read', 'at', pg_temp.utc('10 minutes')));
select is(api.record_message_status(jsonb_build_object('sessionId', 'wa_xa', 'messageId', 'XA1', 'status', 'read', 'at', pg_temp.utc('40 minutes')))
    -> 'results' -> 0 ->> 'outcome', 'applied', 'an earlier read arriving later applies');
select from tests.act_as_admin();
select is((select (delivered_at, read_at)::text from notification_campaign_groups where message_id = 'XA1'),
  (select (t, t)::text from (select date_trunc('second', now() at time zone 'UTC' - interval '40 minutes') at time zone 'UTC' as t) x),
  '… and the row is read (and delivered) at the earlier time');

-- Two sessions in one batch.
select from tests.act_as('gateway');
select is(api.record_message_status('{"events": [{"sessionId": "wa_xa", "messageId": "XA2", "status": "delivered"},
    {"sessionId": "wa_xb", "messageId": "XB1", "status": "delivered"}]}') -> 'counts',
  '{"applied": 2, "unchanged": 0, "pending_match": 0, "quarantined": 0}'::jsonb, 'progress for two sessions in one batch: both applied');
select from tests.act_as_admin();
select is((select array_agg((session_id, message_id)::text order by message_id) from message_status_inbox
           where message_id in ('XA2', 'XB1')),
  array['(wa_xa,XA2)', '(wa_xb,XB1)'], '… each kept in its own session''s inbox, and only there');

-- A WAHA-style id whose chat is too long to be a JID (over 200 characters): the message id still
-- finds its row; the chat is not taken as the event's group.
select from tests.act_as('gateway');
select is(api.record_message_error(jsonb_build_object('sessionId', 'wa_xb', 'errorCode', 420,
    'messageId', 'true_' || repeat('1', 196) || '@g.us_XB1')) -> 'results' -> 0 ->> 'outcome', 'applied',
  'an ACK whose WAHA id names a chat over 200 characters applies by its message id');
select from tests.act_as_admin();

-- A body over the limit that is not an object: a preview of exactly the limit.
select is(length(internal.raw_event(to_jsonb(repeat('z', (select n from lim)))) ->> '_preview'), (select n from lim),
  'the preview of a string over rawEventBytes is rawEventBytes characters long');

-- An object over the limit keeps the fields we read (each up to 4100 bytes) and nothing else, small or not.
select is((select array_agg(k order by k) from jsonb_object_keys(internal.raw_event(jsonb_build_object('sessionId', 'wa_xa',
    'messageId', 'XA9', 'errorCode', 420, 'note', 'small', 'gatewayError', repeat('g', 4200), 'padding', repeat('x', (select n from lim)))))
    k),
  array['_bytes', '_truncated', 'errorCode', 'messageId', 'sessionId'],
  'an event over rawEventBytes keeps its known fields only: not a small unknown one, not a known one over 4100 bytes');
select is((select array_agg(k order by k) from jsonb_object_keys(internal.raw_event(jsonb_build_object('sessionId', 'wa_xa',
    'messageId', 'XA9', 'errorMessage', repeat('m', 4098), 'gatewayError', repeat('g', 4099), 'padding', repeat('x', (select n from lim)))))
    k),
  array['_bytes', '_truncated', 'errorMessage', 'messageId', 'sessionId'],
  '… a known field of exactly 4100 bytes (as JSON) is kept, one of 4101 is not');

-- Evolution: the message id is keyId (Baileys' key.id), `id` only when there is no keyId.
select from tests.act_as('gateway');
select is(api.evolution_webhook(jsonb_build_object('event', 'messages.update', 'instance', 'wa_xa',
    'data', jsonb_build_array(
      jsonb_build_object('keyId', 'XA1', 'id', 'ZZ1', 'remoteJid', tests.jid(1), 'fromMe', true, 'status', 'ERROR'),
      jsonb_build_object('keyId', 'XA2', 'id', 'ZZ2', 'remoteJid', tests.jid(2), 'fromMe', true, 'status', 'READ')))) - 'event' - 'outcome',
  '{"errors": {"applied": 1, "duplicate": 0, "pending_match": 0, "quarantined": 0},
    "progress": {"applied": 1, "unchanged": 0, "pending_match": 0, "quarantined": 0}, "ignored": 0}'::jsonb,
  'an Evolution ERROR and READ carrying keyId and id apply to keyId''s rows');
-- remoteJid is the event's group only when it is a group JID: a direct chat's is not (the message id finds the row).
select is(api.evolution_webhook(jsonb_build_object('event', 'messages.update', 'instance', 'wa_xa',
    'data', jsonb_build_object('keyId', 'XA3', 'remoteJid', '5511900000001@s.whatsapp.net', 'fromMe', true, 'status', 'ERROR')))
    -> 'errors' ->> 'applied', '1', 'an ERROR whose remoteJid is not a group JID applies by its keyId');
-- An instance that is no session id: 422.
select is(api.evolution_webhook('{"event": "messages.update", "instance": " ", "data": {"keyId": "XA4", "status": "READ"}}') ->> 'code',
  'invalid_session_id', 'an Evolution body whose instance is blank is invalid_session_id');
select is(current_setting('response.status', true), '422', '… with 422');
-- errorCode null is no code (as absent).
select is(api.record_message_error('{"sessionId": "wa_xa", "messageId": "XA4", "errorCode": null}') -> 'results' -> 0 ->> 'outcome', 'applied',
  'an error ACK whose errorCode is null is applied');
-- groupJid given and a WAHA id naming another chat: the event's groupJid is its group.
select is(api.record_message_error(jsonb_build_object('sessionId', 'wa_xa', 'groupJid', tests.jid(5),
    'messageId', format('true_%s_XA5', tests.jid(6)))) -> 'results' -> 0 ->> 'outcome', 'applied',
  'groupJid is the group even when the WAHA id names another chat: the row of that group fails');
select from tests.act_as_admin();
select is((select (status, error_code)::text from notification_campaign_groups where message_id = 'XA4'), '(failed,)', '… without a code');
-- Each field of its type: a number where a string belongs is that event's problem, even when its text would pass;
-- a JSON null `at` is no time given (now), not a bad one.
select from tests.act_as('gateway');
select is((select array_agg(r ->> 'code' order by n) from jsonb_array_elements(api.record_message_error('{"events": [
    {"sessionId": 5, "messageId": "XA9"}, {"sessionId": "wa_xa", "messageId": "XA9", "groupJid": 5},
    {"sessionId": "wa_xa", "messageId": "XA9", "errorMessage": 5}, {"sessionId": "wa_xa", "messageId": "XA9", "at": null}]}') -> 'results')
    with ordinality x(r, n)),
  array['invalid_session_id', 'invalid_group_jid', 'invalid_error_message', null],
  'error ACKs: a numeric sessionId, groupJid or errorMessage is refused; "at": null is taken');
select is((select array_agg(coalesce(r ->> 'code', r ->> 'outcome') order by n) from jsonb_array_elements(api.record_message_status('{"events": [
    {"sessionId": 5, "messageId": "XA9", "status": "read"}, {"sessionId": "wa_xa", "messageId": "XA9", "status": "read", "at": null}]}')
    -> 'results') with ordinality x(r, n)),
  array['invalid_session_id', 'pending_match'], 'progress: a numeric sessionId is refused; "at": null is taken');
select from tests.act_as_admin();

-- Epoch times are 9 to 13 digits: fewer or more, or negative, are no time.
select is((select array_agg(internal.event_time(v) is null order by n)
           from unnest(array['12345678', '-1764072000', '99999999999999999999', '1764072000', '1764072000123']::jsonb[]) with ordinality u(v, n)),
  array[true, true, true, false, false], 'epoch 8 digits, negative or 20 digits is no time; 10 and 13 digits are');

-- A progress batch of more than 100 events plans with its sizes, as an ACK batch does (pgTAP 60): a trigger
-- made for this test (rolled back) records the plan mode in force while the inbox is written.
create temporary table seen_modes (mode text);
create function pg_temp.note_mode() returns trigger language plpgsql as $$
begin
  insert into seen_modes values (current_setting('plan_cache_mode'));
  return null;
end $$;
create trigger tg_test_note_mode after insert or update on wa_data.message_status_inbox
  for each statement execute function pg_temp.note_mode();
select from api.record_message_status(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_xa', 'messageId', 'PM' || i, 'status', 'delivered')) from generate_series(1, 100) i)));
select from api.record_message_status(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_xa', 'messageId', 'PL' || i, 'status', 'delivered')) from generate_series(1, 101) i)));
select is((select array_agg(distinct mode order by mode) from seen_modes), array['force_custom_plan', 'force_generic_plan'],
  'a progress batch of 100 runs on the cached plans, one of 101 plans with its sizes');
drop trigger tg_test_note_mode on wa_data.message_status_inbox;

-- A key bound to one session posting for two others.
select from internal.create_api_key('wak_test_88_scoped_0123456789abcdef0123456789abcdef', 'gateway', 't-88', array['wa_xa']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_88_scoped_0123456789abcdef0123456789abcdef"}', '/rpc/record_message_error');
select from internal.pre_request();
select is(api.record_message_error('{"events": [{"sessionId": "wa_o1", "messageId": "O1"}, {"sessionId": "wa_o2", "messageId": "O2"}]}')
    - 'message', '{"code": "session_not_allowed", "details": null,
    "hint": "The key is bound to other sessions: npm run api-key -- list shows its sessions."}'::jsonb,
  'a key bound to one session posting for two others: session_not_allowed');
select is(current_setting('response.status', true), '403', '… with 403');
select ok(api.record_message_error('{"events": [{"sessionId": "wa_o1", "messageId": "O1"}, {"sessionId": "wa_o2", "messageId": "O2"}]}')
    ->> 'message' in ('This API key may not act on session wa_o1.', 'This API key may not act on session wa_o2.'),
  '… naming one of them');
select is(api.waha_webhook(jsonb_build_object('id', 'evt_01jwaha0088000000', 'timestamp', 1764072000000, 'event', 'group.v2.leave',
    'session', 'wa_xb', 'me', jsonb_build_object('id', '5511999999999@c.us', 'pushName', 'CRM Avisos'),
    'payload', jsonb_build_object('group', jsonb_build_object('id', tests.jid(1))), 'engine', 'NOWEB')::json) ->> 'code',
  'session_not_allowed', 'the same key posting a WAHA body for another session: session_not_allowed');
select is(current_setting('response.status', true), '403', '… with 403');
select from tests.act_as_admin();
select is((select inactive_since from whatsapp_groups where session_id = 'wa_xb' and group_jid = tests.jid(1)), null,
  '… and the group it names stays active');
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_88_scoped_0123456789abcdef0123456789abcdef"}', '/rpc/waha_webhook');
select from internal.pre_request();
select is(api.waha_webhook('{"event": "message.ack", "session": 5, "payload": {}}'::json) ->> 'code', 'invalid_body',
  'its WAHA body whose session is not a string names no session: 400 invalid_body, not a refusal of scope');

-- The same key, one event without {"events": [...]}: its session is checked as a batch's is.
select from tests.with_headers('{"x-api-key": "wak_test_88_scoped_0123456789abcdef0123456789abcdef"}', '/rpc/record_message_error');
select from internal.pre_request();
select is(api.record_message_error('{"sessionId": "wa_o1", "messageId": "XB1", "errorCode": 420}') ->> 'code', 'session_not_allowed',
  'a single error ACK naming another session: session_not_allowed');
select is(api.record_message_status('{"sessionId": "wa_o1", "messageId": "XB1", "status": "read"}') ->> 'code', 'session_not_allowed',
  'a single progress event naming another session: session_not_allowed');
-- An event whose sessionId is not a string names no session to refuse: that event is invalid, the batch is not refused.
select is(api.record_message_error('{"events": [{"sessionId": 5, "messageId": "XA9"}]}') -> 'results' -> 0 ->> 'code', 'invalid_session_id',
  'an event whose sessionId is a number is that event''s invalid_session_id, not a refusal of the batch');
select from tests.act_as_admin();
select is((select count(*)::int from message_status_inbox where session_id = 'wa_o1')
          + (select count(*)::int from message_error_inbox where session_id = 'wa_o1'), 0, '… and nothing was stored for the other session');

-- A key bound to two sessions: an event that names none cannot be routed, and the reason says why.
select from internal.create_api_key('wak_test_88_twoses_0123456789abcdef0123456789abcdef', 'gateway', 't-88b', array['wa_xa', 'wa_xb']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_88_twoses_0123456789abcdef0123456789abcdef"}', '/rpc/record_message_error');
select from internal.pre_request();
select is(api.record_message_error('{"messageId": "XA9"}') -> 'results' -> 0,
  '{"index": 0, "outcome": "quarantined", "code": "session_required",
    "message": "the event names no sessionId and this key acts on several sessions: name the session it was sent from"}'::jsonb,
  'a key bound to two sessions, an event without sessionId: session_required, saying the key acts on several');

select * from finish();
rollback;
