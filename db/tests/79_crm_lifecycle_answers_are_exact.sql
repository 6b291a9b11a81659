-- CRM: the lifecycle calls and dispatch views answer exactly what docs/crm.md and docs/errors.md
-- say. resume_campaign of a campaign not paused and cancel_campaign of a finished one are 409;
-- pause_campaign's refusal says the status; resume_session with a sessionId that is no session id
-- is 422 (before any lookup), one nobody synced 404, and a resume starts the failures in a row from
-- zero; schedule_campaign's at is a time (422), its sendBefore a time later than at, only when
-- scheduling, and replaces the campaign's; retry_failed_groups takes the name given (else the
-- campaign's, cut to fit " (retry)"), refuses errorCodes that are not codes with 422, retries a
-- group another session marked unsendable, its 422 nothing_to_retry says whether error codes
-- narrowed it, and a repeat with its Idempotency-Key answers the first retry; a campaign still
-- sending has no finished_at; /sessions counts today's claims only; /campaigns has one row per
-- campaign, with its own session's pace, whatever the number of sessions, and its next send is the
-- latest of now, its time and the session's next slot (and, one group left, its estimated finish);
-- the counts answers sum over chunks (internal.add_counts) add key by key.
begin;
select plan(34);

select from tests.make_campaign('wa_l', 3, 'scheduled');
select from tests.make_campaign('wa_m', 1);
create temp table c as select max(id) filter (where session_id = 'wa_l') as l, max(id) filter (where session_id = 'wa_m') as m
from notification_campaigns;
grant select on c to public;
update session_dispatch set rate_per_minute = 7 where session_id = 'wa_l';
update session_dispatch set rate_per_minute = 9 where session_id = 'wa_m';

select from tests.act_as('crm');
select is(tests.api_error(format('select api.resume_campaign(''{"campaignId": %s}'')', (select l from c))) - 'message' - 'details' - 'hint',
  '{"status": 409, "code": "invalid_transition"}', 'resume_campaign of a campaign not paused is 409 invalid_transition');
select is(tests.api_error('select api.resume_session(''{"sessionId": 5}'')') - 'message' - 'details' - 'hint',
  '{"status": 422, "code": "invalid_session_id"}', 'resume_session: a sessionId that is not a session id is 422, not a 404');

-- /campaigns: one row per campaign, its own session's pace.
select is((select jsonb_object_agg(session_id, rate_per_minute) from api.campaigns where id in ((select l from c), (select m from c))),
  '{"wa_l": 7, "wa_m": 9}', '/campaigns: each campaign with its session''s rate');
select is((select count(*)::int from api.campaigns where id in ((select l from c), (select m from c))), 2,
  '/campaigns: one row per campaign, whatever the number of sessions');

-- Sent, then failed: still sending, no finished_at; the last result finishes it.
select from api.record_message_sent(jsonb_build_object('campaignId', (select l from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'L1'), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420))));
select is((select (status, finished_at)::text from api.campaigns where id = (select l from c)), '(sending,)',
  'a campaign with a group still pending is sending, without finished_at');
select from api.record_message_sent(jsonb_build_object('campaignId', (select l from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 420))));
select is((select (status, finished_at = now())::text from api.campaigns where id = (select l from c)), '(partial_failure,t)',
  '… and its last result finishes it');

-- retry_failed_groups: the name given; nothing to retry is 422, and says whether codes narrowed it.
create temp table retried as
  select (api.retry_failed_groups(jsonb_build_object('campaignId', (select l from c), 'name', 'Second try')) ->> 'campaignId')::bigint as id;
select is((select name::text from api.campaigns where id = (select id from retried)), 'Second try',
  'retry_failed_groups: the retry has the name given');
select is(tests.api_error(format('select api.retry_failed_groups(''{"campaignId": %s, "errorCodes": ["420"]}'')', (select l from c)))
            - 'message' - 'details' - 'hint',
  '{"status": 422, "code": "invalid_error_code"}', 'retry_failed_groups: errorCodes that are not numbers is 422 invalid_error_code');
select is(tests.api_error(format('select api.retry_failed_groups(''{"campaignId": %s, "errorCodes": 420}'')', (select l from c))) ->> 'code',
  'invalid_error_code', '… and errorCodes that is not an array too');
select is(tests.api_error(format('select api.retry_failed_groups(''{"campaignId": %s, "errorCodes": null}'')', (select l from c))), null,
  'errorCodes null is errorCodes not given: a retry of every failed group, no error');
create temp table nothing as
  select tests.api_error(format('select api.retry_failed_groups(''{"campaignId": %s, "errorCodes": [463]}'')', (select l from c))) as coded,
         tests.api_error(format('select api.retry_failed_groups(''{"campaignId": %s}'')', (select m from c))) as plain;
select is((select coded - 'message' - 'details' - 'hint' from nothing), '{"status": 422, "code": "nothing_to_retry"}',
  'no failed group with those codes: 422 nothing_to_retry');
select is((select coded ->> 'message' from nothing), format('Campaign %s has no failed groups with those error codes that can still be targeted.', (select l from c)),
  '… saying the codes narrowed it');
select is((select plain ->> 'message' from nothing), format('Campaign %s has no failed groups that can still be targeted.', (select m from c)),
  '… and without codes, not');

select is(tests.api_error(format('select api.cancel_campaign(''{"campaignId": %s}'')', (select l from c))) - 'message' - 'hint',
  jsonb_build_object('status', 409, 'code', 'invalid_transition', 'details', '{"status": "partial_failure", "action": "cancel"}'::jsonb),
  'cancel_campaign of a finished campaign is 409 invalid_transition, with its status');

select is(tests.api_error(format('select api.pause_campaign(''{"campaignId": %s}'')', (select l from c))) ->> 'message',
  format('Campaign %s is partial_failure: it cannot be paused.', (select l from c)),
  'pause_campaign of a finished campaign (not paused) says its status, and no "paused"');

-- With an Idempotency-Key, a repeated retry answers the first retry and makes no second campaign.
select from tests.with_headers('{"idempotency-key": "retry-1"}', '/rpc/retry_failed_groups');
create temp table keyed as select api.retry_failed_groups(jsonb_build_object('campaignId', (select l from c))) as answer;
select is(api.retry_failed_groups(jsonb_build_object('campaignId', (select l from c))), (select answer from keyed),
  'retry_failed_groups with the same Idempotency-Key answers the first retry');
select is((select count(*)::int from api.campaigns where session_id = 'wa_l'), 4,
  '… and makes no other campaign (the campaign and three retries: named, errorCodes null, keyed)');
select from tests.with_headers('{}', '/rpc/retry_failed_groups');

-- A retry's default name: the campaign's, cut to leave room for " (retry)", at most the rule's length.
select from tests.act_as_admin();
create temp table max_name as select (internal.value_rules() #>> '{CampaignName,maxLength}')::int as n;
grant select on max_name to public;
update notification_campaigns set name = repeat('n', (select n from max_name)) where id = (select l from c);
-- A failed group of L's also marked unsendable in another session (the same JID there): still
-- retried here (marks are per session).
insert into group_unsendable_marks (session_id, group_jid, code) values ('wa_m', tests.jid(2), 420);
select from tests.act_as('crm');
create temp table long_retry as
  select (api.retry_failed_groups(jsonb_build_object('campaignId', (select l from c))) ->> 'campaignId')::bigint as id;
select is((select name::text from api.campaigns where id = (select id from long_retry)),
  repeat('n', (select n - 8 from max_name)) || ' (retry)', 'a retry of a campaign whose name has the most characters: cut to fit');
select is((select array_agg(group_jid::text order by group_jid) from api.campaign_groups where campaign_id = (select id from long_retry)),
  array[tests.jid(2), tests.jid(3)], '… over both failed groups: a mark in another session does not hold a group here');

-- resume_session starts the count of failures in a row from zero.
select from tests.act_as_admin();
update session_dispatch set paused_at = now(), pause_reason = 'test', consecutive_failures = 5 where session_id = 'wa_m';
select from tests.act_as('crm');
select is(api.resume_session('{"sessionId": "wa_m"}') ->> 'wasPaused', 'true', 'resume_session resumes a paused session');
select is((select (paused_at, consecutive_failures)::text from api.sessions where session_id = 'wa_m'), '(,0)',
  '… whose count of failures in a row starts from zero');

-- /campaigns: a campaign scheduled in 10 minutes, its session's next slot in 1: its next send is in 10.
select from tests.act_as_admin();
select from tests.make_campaign('wa_n', 2, 'scheduled');
update notification_campaigns set scheduled_at = now() + interval '10 minutes' where session_id = 'wa_n';
update session_dispatch set next_slot_at = now() + interval '1 minute' where session_id = 'wa_n';
select from tests.act_as('crm');
select is((select (next_send_at - now(), held_reason)::text from api.campaigns where session_id = 'wa_n'), '(00:10:00,scheduled_later)',
  '/campaigns: next_send_at is the latest of now, the campaign''s time and the session''s next slot');

select is(tests.api_error('select api.resume_session(''{"sessionId": "wa_unknown"}'')') - 'message' - 'details' - 'hint',
  '{"status": 404, "code": "session_not_found"}', 'resume_session of a session nobody synced is 404 session_not_found');

-- schedule_campaign's sendBefore: a time, later than at, only when scheduling; a new one replaces
-- the one create_campaign set.
select is(tests.api_error(format('select api.schedule_campaign(''{"campaignId": %s, "at": "soon"}'')', (select m from c)))
            - 'message' - 'details' - 'hint',
  '{"status": 422, "code": "invalid_at"}', 'schedule_campaign: an at that is no time is 422 invalid_at');
select is(tests.api_error(format('select api.schedule_campaign(''{"campaignId": %s, "sendBefore": "tomorrow"}'')', (select m from c)))
            - 'message' - 'details' - 'hint',
  '{"status": 422, "code": "invalid_send_before"}', 'schedule_campaign: a sendBefore that is no time is 422 invalid_send_before');
select is(tests.api_error(format('select api.schedule_campaign(%L)', jsonb_build_object('campaignId', (select m from c), 'scheduled', false,
            'sendBefore', now() + interval '1 hour'))) ->> 'code',
  'invalid_send_before', '… and so is one given with scheduled: false');
select is(tests.api_error(format('select api.schedule_campaign(%L)', jsonb_build_object('campaignId', (select m from c),
            'at', now() + interval '1 hour', 'sendBefore', now() + interval '1 hour'))) ->> 'code',
  'invalid_send_before', '… and one equal to at (it must be later)');
create temp table windowed as
  select (api.create_campaign(jsonb_build_object('name', 'w', 'message', 'm', 'sessionId', 'wa_m', 'groupJids', jsonb_build_array(tests.jid(1)),
          'sendBefore', now() + interval '2 hours')) ->> 'campaignId')::bigint as id;
select from api.schedule_campaign(jsonb_build_object('campaignId', (select id from windowed), 'sendBefore', now() + interval '3 hours'));
select is((select send_before - now() from api.campaigns where id = (select id from windowed)), interval '3 hours',
  'a sendBefore given when scheduling replaces the one the campaign was created with');
select is((select estimated_finish_at = next_send_at from api.campaigns where id = (select id from windowed)), true,
  '/campaigns: a campaign with one group left is estimated to finish with its next send');

-- /campaigns: a campaign scheduled for now is due, not scheduled_later; a window that closes now is closed.
select from tests.act_as_admin();
update notification_campaigns set scheduled_at = now() where session_id = 'wa_n';
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where session_id = 'wa_n'), null, '/campaigns: scheduled for now is not held');
select from tests.act_as_admin();
update notification_campaigns set scheduled_at = null, send_before = now() where session_id = 'wa_n';
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where session_id = 'wa_n'), 'window_closed', '/campaigns: sendBefore now is window_closed');

-- /sessions: claims counted yesterday are not today's.
select from tests.act_as_admin();
update session_dispatch set cap_day = (now() at time zone 'UTC')::date - 1, cap_day_count = 4 where session_id = 'wa_m';
update session_dispatch set cap_day = (now() at time zone 'UTC')::date, cap_day_count = 2 where session_id = 'wa_l';
select from tests.act_as('crm');
select is((select jsonb_object_agg(session_id, claimed_today) from api.sessions where session_id in ('wa_l', 'wa_m')),
  '{"wa_l": 2, "wa_m": 0}', '/sessions: claimed_today counts today''s claims only');
select is((select count(*)::int from api.sessions where session_id in ('wa_l', 'wa_m')), 2, '/sessions: one row per session');

-- The counts an answer sums over chunks (internal.add_counts, the Evolution webhook's batches): key
-- by key, a key of one side only keeps its own count.
select from tests.act_as_admin();
select is(internal.add_counts('{"applied": 2, "duplicate": 1}', '{"applied": 3, "pendingMatch": 4}'),
  '{"applied": 5, "duplicate": 1, "pendingMatch": 4}', 'counts are summed key by key');

select * from finish();
rollback;
