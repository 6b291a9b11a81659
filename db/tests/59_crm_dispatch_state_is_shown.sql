-- CRM: /sessions shows every session's pace (the defaults until configure_session) and why its
-- dispatch is held; /campaigns shows a campaign's dispatch: next send, pace, estimated finish, why
-- held.
begin;
select plan(8);

select from tests.make_campaign('wa_v', 4, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

select from tests.act_as('crm');
select is((select (rate_per_minute, jitter_seconds, daily_cap, max_consecutive_failures, lease_seconds, held_reason)::text
           from api.sessions where session_id = 'wa_v'), '(6,5,1000,5,300,)',
  'a new session has the default pace, nothing held');
select from api.configure_session('{"sessionId": "wa_v", "ratePerMinute": 12, "jitterSeconds": 0}');
select is((select (held_reason, next_send_at, rate_per_minute)::text from api.campaigns where id = (select id from c)),
  (select format('(,"%s",12)', now()) ), 'a due campaign: its next send is now, at the session''s pace');
select is((select estimated_finish_at - next_send_at from api.campaigns where id = (select id from c)), interval '15 seconds',
  '… and it finishes after its 4 sends at 5 s apart');
select from api.pause_campaign(jsonb_build_object('campaignId', (select id from c)));
select is((select (held_reason, next_send_at)::text from api.campaigns where id = (select id from c)), '(campaign_paused,)',
  'a paused campaign says so, with no next send');
select from api.resume_campaign(jsonb_build_object('campaignId', (select id from c)));
select from tests.act_as_admin();
update session_dispatch set paused_at = now(), pause_reason = '5 send-time failures in a row' where session_id = 'wa_v';
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where id = (select id from c)), 'session_paused', 'a paused session holds its campaigns');
select is((select (held_reason, pause_reason)::text from api.sessions where session_id = 'wa_v'),
  '(session_paused,"5 send-time failures in a row")', '/sessions says why');
select from tests.act_as_admin();
update whatsapp_sessions set restricted_at = now(), restricted_code = 463 where session_id = 'wa_v';
select from tests.act_as('crm');
select is((select held_reason from api.sessions where session_id = 'wa_v'), 'session_restricted', 'a restriction comes first');
select from api.cancel_campaign(jsonb_build_object('campaignId', (select id from c)));
select is((select held_reason from api.campaigns where id = (select id from c)), null, 'a finished campaign is held by nothing');

select * from finish();
rollback;
