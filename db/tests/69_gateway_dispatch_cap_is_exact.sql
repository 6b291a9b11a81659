-- Gateway: the daily cap holds at its exact count (one send left is one send claimed, none left is
-- held), /campaigns says daily_cap_reached only for today's count (yesterday's full count holds
-- nothing), and a claim for a session never synced answers nothing and stores nothing. pgTAP 55
-- checks the cap with two sends left; these are the edges.
begin;
select plan(7);

select from tests.make_campaign('wa_dc', 5, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0, daily_cap = 3, cap_day = (now() at time zone 'UTC')::date,
  cap_day_count = 2
where session_id = 'wa_dc';

select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_dc", "max": 5}') -> 'sends'), 1,
  'one send left under the cap: one is claimed');
select is(api.claim_sends('{"sessionId": "wa_dc", "max": 5}') -> 'held' ->> 'reason', 'daily_cap_reached',
  'none left: the session is held');
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where id = (select id from c)), 'daily_cap_reached',
  '/campaigns says why: today''s count reached the cap');

-- Yesterday's full count holds nothing today.
select from tests.act_as_admin();
update session_dispatch set cap_day = (now() at time zone 'UTC')::date - 1, cap_day_count = 3 where session_id = 'wa_dc';
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where id = (select id from c)), null,
  'a count of yesterday does not hold the campaign today');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_dc", "max": 1}') -> 'sends'), 1, '… and a claim gets its send');

-- A session nobody synced (while others are): nothing to send, no dispatch row made for it.
select is(api.claim_sends('{"sessionId": "wa_never_synced"}'), '{"sends": [], "nextAt": null, "held": null}'::jsonb,
  'a claim for a session never synced answers no sends');
select from tests.act_as_admin();
select is((select count(*)::int from session_dispatch where session_id = 'wa_never_synced'), 0, '… and stores no dispatch row for it');

select * from finish();
rollback;
