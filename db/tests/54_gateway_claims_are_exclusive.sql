-- Gateway: claim_sends hands out each due row once (until its lease ends), oldest due campaign
-- first and rows in creation order, with a Baileys-format message id and the campaign's text;
-- never rows of a draft, a paused, a cancelled or a not-yet-due campaign, nor another session's.
begin;
select plan(14);

select from tests.make_campaign('wa_c1', 4, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
-- A draft of the same session, a later scheduled campaign, another session's campaign.
select from tests.act_as('crm');
select from api.create_campaign(jsonb_build_object('name', 'draft', 'message', 'later', 'sessionId', 'wa_c1',
  'groupJids', jsonb_build_array(tests.jid(1))));
select from tests.act_as_admin();
select from tests.make_campaign('wa_c2', 2, 'scheduled');
-- Fast pace: every slot within the claim horizon.
update session_dispatch set rate_per_minute = 120, jitter_seconds = 0 where session_id in ('wa_c1', 'wa_c2');

select from tests.act_as('gateway');
create temp table first_claim as select api.claim_sends('{"sessionId": "wa_c1", "max": 3}') as r;
select is(jsonb_array_length((select r -> 'sends' from first_claim)), 3, 'max rows are claimed');
select is((select jsonb_agg(s ->> 'groupJid') from first_claim, jsonb_array_elements(r -> 'sends') s),
  jsonb_build_array(tests.jid(1), tests.jid(2), tests.jid(3)), '… in creation order');
select ok((select bool_and(s ->> 'messageId' ~ '^3EB0[0-9A-F]{18}$') from first_claim, jsonb_array_elements(r -> 'sends') s),
  '… each with a message id in Baileys'' format (3EB0 and 18 upper-case hex digits)');
select is((select count(distinct s ->> 'messageId')::int from first_claim, jsonb_array_elements(r -> 'sends') s), 3,
  '… all different');
select ok((select bool_and(s ->> 'text' = 'hello' and (s ->> 'campaignId')::bigint = (select id from c))
           from first_claim, jsonb_array_elements(r -> 'sends') s), '… with the campaign''s id and text');
select is((select r -> 'held' from first_claim), 'null'::jsonb, '… and nothing held');

create temp table second_claim as select api.claim_sends('{"sessionId": "wa_c1", "max": 10}') as r;
select is((select jsonb_agg(s ->> 'groupJid') from second_claim, jsonb_array_elements(r -> 'sends') s),
  jsonb_build_array(tests.jid(4)), 'the next claim gets only the row not claimed yet (the draft''s is never claimed)');
create temp table third_claim as select api.claim_sends('{"sessionId": "wa_c1"}') as r;
select is(jsonb_array_length((select r -> 'sends' from third_claim)), 0, 'then nothing: every row is leased');
select from tests.act_as_admin();
select is((select (r ->> 'nextAt')::timestamptz from third_claim),
  (select min(lease_until) from notification_campaign_groups where session_id = 'wa_c1' and status = 'pending'),
  '… and nextAt is when the first lease ends');
select is((select sum(claim_count)::int from notification_campaign_groups where session_id = 'wa_c1'), 4,
  'each row was claimed once');

-- A paused, a cancelled, a not-yet-due campaign: nothing of theirs.
update notification_campaign_groups set lease_until = now() - interval '1 second' where session_id = 'wa_c1';
update notification_campaigns set paused_at = now() where session_id = 'wa_c1';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_c1"}') -> 'sends'), 0, 'a paused campaign''s rows are not claimed');
select from tests.act_as_admin();
update notification_campaigns set paused_at = null, scheduled_at = now() + interval '1 hour' where session_id = 'wa_c1';
select from tests.act_as('gateway');
select is((api.claim_sends('{"sessionId": "wa_c1"}') ->> 'nextAt')::timestamptz, now() + interval '1 hour',
  'a campaign scheduled for later is not claimed: nextAt is its time');
select from tests.act_as_admin();
update notification_campaigns set scheduled_at = null where session_id = 'wa_c1';
select from tests.act_as('crm');
select from api.cancel_campaign(jsonb_build_object('campaignId', (select id from c)));
select from tests.act_as('gateway');
select is(api.claim_sends('{"sessionId": "wa_c1"}'), '{"sends": [], "nextAt": null, "held": null}'::jsonb,
  'a cancelled campaign''s rows are never claimed, and with nothing left nextAt is null');
select is((select jsonb_agg(s ->> 'groupJid') from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_c2"}') -> 'sends') s),
  jsonb_build_array(tests.jid(1), tests.jid(2)), 'another session''s rows are its own');

select * from finish();
rollback;
