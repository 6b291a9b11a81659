-- Gateway: the times a claim answers, exactly (docs/gateway.md, claim_sends; docs/design.md,
-- "Dispatch"). The clock is the transaction's one now(); times in the future are set on the rows.
-- nextAt: with a due row still free, when the next slot comes within the claim horizon (never in
-- the past; after this claim's own slots, not before them); every due row leased: the first lease
-- of this session's due campaigns (never another session's, nor a paused campaign's); the cap used
-- up with rows left: the next 00:00 UTC; then the next scheduled campaign that is not paused. A
-- slot that a jitter pushes past the horizon is not handed out. A lease that ends now is over: past
-- the window, its row expires; a live one keeps its row. Yesterday's count leaves today's cap
-- whole; each send carries its campaign's message; max is at most claimsPerCall.
begin;
select plan(22);

-- A: a campaign scheduled for now itself (due), 3 rows, one slot a second.
select from tests.make_campaign('wa_ta', 3, 'scheduled');
update notification_campaigns set scheduled_at = now() where session_id = 'wa_ta';
-- (And a campaign of A's due in 900 s: the one due now comes first.)
select from tests.make_campaign('wa_ta', 1, 'scheduled');
update notification_campaigns set scheduled_at = now() + interval '900 seconds'
where id = (select max(id) from notification_campaigns where session_id = 'wa_ta');
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0 where session_id = 'wa_ta';
select from tests.act_as('gateway');
create temp table a as select api.claim_sends('{"sessionId": "wa_ta", "max": 1}') as r;
select from tests.act_as_admin();
select is((select jsonb_array_length(r -> 'sends') from a), 1, 'a campaign scheduled for now is claimed from');
select is((select (r ->> 'nextAt')::timestamptz from a), now(),
  'rows still free and the next slot (now + 1 s) within the horizon: nextAt is now, not earlier');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_ta", "max": 5}') -> 'sends'), 2, 'the next claim takes the other two');
create temp table a_leased as select api.claim_sends('{"sessionId": "wa_ta", "max": 5}') as r;
select from tests.act_as_admin();
select is((select (r ->> 'nextAt')::timestamptz from a_leased), now() + interval '300 seconds',
  'then all are leased: nextAt is when the first lease (slot now, 300 s) ends');

-- B: the session's next slot is 30 s away and a slot lasts 60 s: one send, at +30 s; the slot after
-- it (+90 s) comes within the 60 s horizon at +30 s, for the rows still free (leases that ended now).
-- (B's session has an older campaign, paused, with another message.)
select from tests.make_campaign('wa_tb', 1, 'scheduled');
update notification_campaigns set paused_at = now(), message = 'Not this one' where session_id = 'wa_tb';
select from tests.make_campaign('wa_tb', 3, 'scheduled');
update notification_campaigns set message = 'Hello from B' where session_id = 'wa_tb' and paused_at is null;
-- (Rows 2 and 3 were claimed before; their leases end now: they are free again.)
update notification_campaign_groups set lease_until = now(), dispatch_message_id = 'TB-' || right(group_jid, 6), claim_count = 1
where campaign_id = (select max(id) from notification_campaigns where session_id = 'wa_tb') and group_jid <> tests.jid(1);
update session_dispatch set rate_per_minute = 1, jitter_seconds = 0, next_slot_at = now() + interval '30 seconds'
where session_id = 'wa_tb';
select from tests.act_as('gateway');
create temp table b as select api.claim_sends('{"sessionId": "wa_tb", "max": 5}') as r;
select from tests.act_as_admin();
select is((select jsonb_agg(s ->> 'notBefore') from b, jsonb_array_elements(r -> 'sends') s),
  jsonb_build_array(now() + interval '30 seconds'), 'one slot within the horizon, at the session''s next slot');
select is((select (r ->> 'nextAt')::timestamptz from b), now() + interval '30 seconds',
  'nextAt: when the slot after this claim''s (+90 s) comes within the horizon');
select is((select next_slot_at from session_dispatch where session_id = 'wa_tb'), now() + interval '90 seconds',
  'the session''s next slot moved past the one handed out');
select is((select jsonb_agg(s ->> 'text') from b, jsonb_array_elements(r -> 'sends') s), '["Hello from B"]',
  'the send carries its own campaign''s message');

-- C: every due row of the session is leased: nextAt is the first of its leases, not an earlier one of
-- a campaign that is not due (paused) or of another session (D's row), both until +100 s.
select from tests.make_campaign('wa_tc', 1, 'scheduled');
-- (C's other campaign is paused: its row, leased until +100 s, is not due.)
select from tests.make_campaign('wa_tc', 1, 'scheduled');
update notification_campaigns set paused_at = now() where id = (select max(id) from notification_campaigns where session_id = 'wa_tc');
update notification_campaign_groups set lease_until = now() + interval '100 seconds', dispatch_message_id = 'TC-PAUSED', claim_count = 1
where campaign_id = (select max(id) from notification_campaigns where session_id = 'wa_tc');
select from tests.make_campaign('wa_td', 1, 'scheduled');
update notification_campaign_groups set lease_until = now() + interval '100 seconds', dispatch_message_id = 'TD-LEASED', claim_count = 1
where session_id = 'wa_td';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_tc"}') -> 'sends'), 1, 'C''s one row is claimed (leased 300 s from now)');
create temp table c as select api.claim_sends('{"sessionId": "wa_tc"}') as r;
select from tests.act_as_admin();
select is((select (r ->> 'nextAt')::timestamptz from c), now() + interval '300 seconds',
  'all leased: nextAt is the end of the first lease of the session''s due campaigns');

-- E: nothing due now; a campaign due in 600 s is paused, one due in 900 s is not: nextAt is the latter.
select from tests.make_campaign('wa_te', 1, 'scheduled');
select from tests.make_campaign('wa_te', 1, 'scheduled');
update notification_campaigns set scheduled_at = now() + interval '600 seconds', paused_at = now()
where id = (select min(id) from notification_campaigns where session_id = 'wa_te');
update notification_campaigns set scheduled_at = now() + interval '900 seconds'
where id = (select max(id) from notification_campaigns where session_id = 'wa_te');
select from tests.act_as('gateway');
create temp table e as select api.claim_sends('{"sessionId": "wa_te"}') as r;
select from tests.act_as_admin();
select is((select r -> 'sends' from e), '[]'::jsonb, 'nothing is due yet');
select is((select (r ->> 'nextAt')::timestamptz from e), now() + interval '900 seconds',
  'nextAt: the next scheduled campaign that is not paused');

-- H: slot 1 at +58.5 s, one slot a second: two fit the arithmetic, but a jitter of up to 3,600 s
-- pushes the second past the horizon (a fixed seed: random() repeats; any seed but a draw below
-- 0.5/3600 does this). It is not handed out: it waits for the next claim.
select from tests.make_campaign('wa_th', 3, 'scheduled');
update session_dispatch set rate_per_minute = 60, jitter_seconds = 3600, next_slot_at = now() + interval '58.5 seconds'
where session_id = 'wa_th';
select setseed(0.25);
select from tests.act_as('gateway');
create temp table h as select api.claim_sends('{"sessionId": "wa_th", "max": 5}') as r;
select from tests.act_as_admin();
select is((select jsonb_agg(s ->> 'notBefore') from h, jsonb_array_elements(r -> 'sends') s),
  jsonb_build_array(now() + interval '58.5 seconds'), 'only the slot that starts within the horizon is handed out');

-- F: the window closes now; one row's lease ended now (it expires), another's ends in 1 s (left to
-- its report, and no reason to ask again: the campaign is not due).
select from tests.make_campaign('wa_tf', 2, 'scheduled');
update notification_campaigns set send_before = now() where session_id = 'wa_tf';
update notification_campaign_groups set lease_until = now() + case group_jid when tests.jid(1) then interval '0' else interval '1 second' end,
  dispatch_message_id = 'TF-' || group_jid, claim_count = 1
where session_id = 'wa_tf';
select from tests.act_as('gateway');
select is(api.claim_sends('{"sessionId": "wa_tf"}') - 'held', '{"sends": [], "nextAt": null}'::jsonb,
  'a closed window hands nothing out, and its leased row sets no nextAt');
select from tests.act_as_admin();
select is((select jsonb_object_agg(group_jid, coalesce(cancel_reason, status)) from notification_campaign_groups where session_id = 'wa_tf'),
  jsonb_build_object(tests.jid(1), 'expired', tests.jid(2), 'pending'),
  'the row whose lease ended now expired; the one under a live lease is left to its report');

-- G: a cap of 2, yesterday's count full: today two are claimed, and with rows left the next claim
-- is at 00:00 UTC.
select from tests.make_campaign('wa_tg', 4, 'scheduled');
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0, daily_cap = 2, cap_day = (now() at time zone 'UTC')::date - 1,
  cap_day_count = 2
where session_id = 'wa_tg';
select from tests.act_as('gateway');
create temp table g as select api.claim_sends('{"sessionId": "wa_tg", "max": 5}') as r;
select from tests.act_as_admin();
select is((select jsonb_array_length(r -> 'sends') from g), 2, 'yesterday''s count does not count today: the cap''s two are claimed');
select is((select (r ->> 'nextAt')::timestamptz from g), ((now() at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC',
  'the claim that reached the cap, rows left: nextAt is the next 00:00 UTC');
select is((select cap_day_count from session_dispatch where session_id = 'wa_tg'), 2, '… and today''s count is those two');
-- G2: a cap of 3, two claimed: one left, rows left: ask again when the next slot is within reach.
select from tests.make_campaign('wa_tg2', 4, 'scheduled');
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0, daily_cap = 3 where session_id = 'wa_tg2';
select from tests.act_as('gateway');
select is((api.claim_sends('{"sessionId": "wa_tg2", "max": 2}') ->> 'nextAt')::timestamptz, now(),
  'one send left under the cap: nextAt is now, not the next day');
select from tests.act_as_admin();

-- R: 13 a minute: 60/13 s in floating point makes the arithmetic's count 14, whose slot starts at
-- the horizon itself (13 × 60/13 = 59.99999999999999 s, 60 s in microseconds): 13 are handed out.
select from tests.make_campaign('wa_tr', 20, 'scheduled');
update session_dispatch set rate_per_minute = 13, jitter_seconds = 0 where session_id = 'wa_tr';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_tr", "max": 50}') -> 'sends'), 13,
  'rate 13: 13 slots start within the next 60 s, not 14');
select from tests.act_as_admin();

-- max: at most claimsPerCall.
create temp table lim as select internal.limit('claimsPerCall') as n;
grant select on lim to public;
select from tests.act_as('gateway');
select is(tests.api_error(format('select api.claim_sends(''{"sessionId": "wa_ta", "max": %s}'')', (select n + 1 from lim)))
            - 'details' - 'hint',
  jsonb_build_object('status', 422, 'code', 'invalid_max',
                     'message', format('max, when given, must be a whole number from 1 to %s.', (select n from lim))),
  'max = claimsPerCall + 1 is 422 invalid_max, which names the limit');
select is(tests.api_error(format('select api.claim_sends(''{"sessionId": "wa_ta", "max": %s}'')', (select n from lim))),
  null, 'max = claimsPerCall is accepted');

select * from finish();
rollback;
