-- Gateway: a restricting error (463) recorded by any path stops the session's claims at once
-- (held: session_restricted) until clear_session_restriction; N send-time failures in a row pause
-- the session's dispatch (held: session_paused, with the reason) until resume_session; a send
-- between failures resets the count; one session's brake never holds another.
begin;
select plan(13);

select from tests.make_campaign('wa_b1', 20, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.make_campaign('wa_b2', 3, 'scheduled');
update session_dispatch set rate_per_minute = 120, jitter_seconds = 0, max_consecutive_failures = 3
where session_id in ('wa_b1', 'wa_b2');

-- A 463 ACK for a sent message of wa_b1 (through the ACK path).
select from tests.act_as('gateway');
create temp table got as select s from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_b1", "max": 2}') -> 'sends') s;
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends',
  (select jsonb_agg(jsonb_build_object('groupJid', s ->> 'groupJid', 'messageId', s ->> 'messageId')) from got)));
select from api.record_message_error(jsonb_build_object('sessionId', 'wa_b1', 'messageId', (select s ->> 'messageId' from got limit 1),
  'errorCode', 463));
create temp table held as select api.claim_sends('{"sessionId": "wa_b1"}') as r;
select is((select jsonb_array_length(r -> 'sends') from held), 0, 'after a 463 the next claim gets nothing');
select is((select r -> 'held' ->> 'reason' from held), 'session_restricted', '… held: session_restricted');
select is((select r -> 'nextAt' from held), 'null'::jsonb, '… with no time to ask again (the CRM decides)');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_b2"}') -> 'sends'), 3, 'another session claims as before');
select from tests.act_as('crm');
select from api.clear_session_restriction('{"sessionId": "wa_b1"}');
select from tests.act_as('gateway');
create temp table again as select s from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_b1", "max": 6}') -> 'sends') s;
select is((select count(*)::int from again), 6, 'cleared, the session is claimed from again');

-- Send-time failures: fail; then (another call) send, fail, fail: 2 in a row, no pause; then a
-- third in a row pauses.
create temp table a as select s, row_number() over () as n from again;
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 1), 'errorCode', 500, 'errorMessage', 'x'))));
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 2), 'messageId', (select s ->> 'messageId' from a where n = 2)),
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 3), 'errorCode', 500, 'errorMessage', 'x'),
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 4), 'errorCode', 500, 'errorMessage', 'x'))));
select is(api.claim_sends('{"sessionId": "wa_b1", "max": 1}') -> 'held', 'null'::jsonb,
  'two failures in a row after a send: not paused (max 3)');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 5), 'errorCode', 479, 'errorMessage', 'stale session'))));
create temp table paused as select api.claim_sends('{"sessionId": "wa_b1"}') as r;
select is((select r -> 'held' ->> 'reason' from paused), 'session_paused', 'the third failure in a row pauses the session''s dispatch');
select ok((select r -> 'held' ->> 'message' from paused) ~ '3 send-time failures in a row; the last: error 479 stale session',
  '… saying why');
select is((select jsonb_array_length(r -> 'sends') from paused), 0, '… and nothing is claimed');
select is(api.claim_sends('{"sessionId": "wa_b2"}') -> 'held', 'null'::jsonb, 'the other session is not paused');

select from tests.act_as('crm');
select is(api.resume_session('{"sessionId": "wa_b1"}') - 'pausedAt',
  '{"sessionId": "wa_b1", "wasPaused": true, "pauseReason": "3 send-time failures in a row; the last: error 479 stale session"}'::jsonb,
  'resume_session says it was paused and why');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_b1", "max": 1}') -> 'sends'), 1, 'resumed, the session is claimed from again');
-- The count started again from zero: one more failure does not pause it.
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', (select s ->> 'groupJid' from a where n = 6), 'errorCode', 500, 'errorMessage', 'x'))));
select is(api.claim_sends('{"sessionId": "wa_b1", "max": 1}') -> 'held', 'null'::jsonb, 'after resume_session the failures count from zero');

select * from finish();
rollback;
