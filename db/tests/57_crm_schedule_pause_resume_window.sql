-- CRM: schedule_campaign takes a time (due from then) and a send window end; pause_campaign /
-- resume_campaign stop and restart a campaign's claims; rows not sent by sendBefore end cancelled
-- with reason expired; configure_session sets the pace. schedule, pause, resume and cancel answer
-- the same campaign summary (internal.campaign_summary).
begin;
select plan(21);

select from tests.make_campaign('wa_w', 3);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

select from tests.act_as('crm');
select is(api.configure_session('{"sessionId": "wa_w", "ratePerMinute": 120, "jitterSeconds": 0}'),
  '{"sessionId": "wa_w", "ratePerMinute": 120, "jitterSeconds": 0, "dailyCap": 1000, "maxConsecutiveFailures": 5, "leaseSeconds": 300}'::jsonb,
  'configure_session sets what it is given and keeps the defaults');
select is(tests.api_error($$select api.configure_session('{"sessionId": "wa_w", "ratePerMinute": 0}')$$) -> 'details',
  '{"field": "ratePerMinute"}'::jsonb, 'a setting outside its rule is refused, naming it');
select is(tests.api_error($$select api.configure_session('{"sessionId": "wa_nobody"}')$$) ->> 'code', 'session_not_found',
  'an unknown session is 404');

select is(tests.api_error(format($$select api.schedule_campaign('{"campaignId": %s, "at": "tomorrow"}')$$, (select id from c))) ->> 'code',
  'invalid_at', 'at must be a time');
select is(tests.api_error(format($$select api.schedule_campaign('{"campaignId": %s, "at": "%s", "sendBefore": "%s"}')$$, (select id from c),
  now() + interval '2 hours', now() + interval '1 hour')) ->> 'code', 'invalid_send_before', 'sendBefore must be later than at');
create temp table scheduled as select api.schedule_campaign(jsonb_build_object('campaignId', (select id from c),
  'at', now() + interval '1 hour', 'sendBefore', now() + interval '2 hours')) as r;
select is((select (r -> 'campaign' ->> 'scheduledAt')::timestamptz from scheduled), now() + interval '1 hour',
  'a draft is scheduled for a time');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_w"}') -> 'sends'), 0, '… and nothing is claimed before it');
select from tests.act_as_admin();
update notification_campaigns set scheduled_at = now() - interval '1 second' where id = (select id from c);

select from tests.act_as('crm');
create temp table paused as select api.pause_campaign(jsonb_build_object('campaignId', (select id from c))) as r;
select is((select r - 'campaign' from paused), jsonb_build_object('campaignId', (select id from c), 'status', 'scheduled'),
  'pause answers the campaign summary');
select is((select (r -> 'campaign' ->> 'pausedAt')::timestamptz from paused), now(), '… with the time it was paused');
select is(tests.api_error(format($$select api.pause_campaign('{"campaignId": %s}')$$, (select id from c))) ->> 'code',
  'invalid_transition', 'a paused campaign cannot be paused again');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_w"}') -> 'sends'), 0, 'a paused campaign''s rows are not claimed');
select from tests.act_as('crm');
select is(api.resume_campaign(jsonb_build_object('campaignId', (select id from c))) -> 'campaign' -> 'pausedAt', 'null'::jsonb,
  'resume clears the pause');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_w", "max": 1}') -> 'sends'), 1, 'resumed, its rows are claimed');
select from tests.act_as('crm');
select is(tests.api_error(format($$select api.resume_campaign('{"campaignId": %s}')$$, (select id from c))) ->> 'code',
  'invalid_transition', 'a campaign that is not paused cannot be resumed');

-- The window closes: rows not claimed (or whose lease ended) end cancelled, reason expired; the
-- claimed row under a live lease waits for its report.
select from tests.act_as_admin();
update notification_campaigns set send_before = now() - interval '1 second' where id = (select id from c);
select from tests.act_as('gateway');
select is(api.claim_sends('{"sessionId": "wa_w"}') -> 'sends', '[]'::jsonb, 'past its window, nothing of the campaign is claimed');
select from tests.act_as_admin();
select is((select array_agg(coalesce(cancel_reason, status::text) order by group_jid) from notification_campaign_groups where campaign_id = (select id from c)),
  array['pending', 'expired', 'expired'], 'the rows not held by a lease are cancelled, reason expired');
select ok(tests.totals_match((select id from c)), 'the totals count them');
select is((select status::text from notification_campaigns where id = (select id from c)), 'scheduled',
  'the campaign waits for its claimed row');
update notification_campaign_groups set lease_until = now() - interval '1 second' where campaign_id = (select id from c) and status = 'pending';
select from tests.act_as('gateway');
select is(api.claim_sends('{"sessionId": "wa_w"}') -> 'nextAt', 'null'::jsonb, 'once its lease ended, that row expires too: nothing is left');
select from tests.act_as_admin();
select is((select (status, pending_count, cancelled_count)::text from notification_campaigns where id = (select id from c)), '(cancelled,0,3)',
  '… and the campaign ends cancelled');
select from tests.act_as('crm');
select is(tests.api_error($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_w", "sendBefore": "2000-01-01T00:00:00Z", "groupJids": ["120363000000000001@g.us"]}')$$) ->> 'code',
  'invalid_send_before', 'create_campaign refuses a sendBefore in the past');

select * from finish();
rollback;
