-- Gateway: the dispatch counts, exactly. The daily cap holds at its exact count (one send left is
-- one send claimed, none left is held); /campaigns and /sessions say daily_cap_reached only for
-- today's full count (not yesterday's, not today's below the cap); a claim for a session never
-- synced answers nothing and stores nothing; the brake counts send-time failures only (a send
-- failed by an early error ACK is not one). pgTAP 55 and 56 check the cap with two sends left and
-- the brake with send-time errors; these are the edges. And the times at their boundary, now
-- itself (one now() for the whole transaction): a campaign scheduled for now is due, one whose
-- sendBefore is now has closed (its pending rows expire), a lease that ends now is free.
begin;
select plan(17);

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
select is((select held_reason from api.sessions where session_id = 'wa_dc'), 'daily_cap_reached', '… and /sessions');
select from tests.act_as_admin();
update session_dispatch set cap_day_count = 2 where session_id = 'wa_dc';
select from tests.act_as('crm');
select is((select held_reason from api.sessions where session_id = 'wa_dc'), null, 'today''s count below the cap holds nothing');

-- Yesterday's full count holds nothing today.
select from tests.act_as_admin();
update session_dispatch set cap_day = (now() at time zone 'UTC')::date - 1, cap_day_count = 3 where session_id = 'wa_dc';
select from tests.act_as('crm');
select is((select held_reason from api.campaigns where id = (select id from c)), null,
  'a count of yesterday does not hold the campaign today');
select is((select held_reason from api.sessions where session_id = 'wa_dc'), null, '… nor the session');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_dc", "max": 1}') -> 'sends'), 1, '… and a claim gets its send');

-- A session nobody synced (while others are): nothing to send, no dispatch row made for it.
select is(api.claim_sends('{"sessionId": "wa_never_synced"}'), '{"sends": [], "nextAt": null, "held": null}'::jsonb,
  'a claim for a session never synced answers no sends');
select from tests.act_as_admin();
select is((select count(*)::int from session_dispatch where session_id = 'wa_never_synced'), 0, '… and stores no dispatch row for it');

-- The brake: M2's error ACK arrived before its send record; the send record then fails its row by
-- that ACK, which is no send-time failure: the count of failures in a row stays 0.
select from tests.make_campaign('wa_bk', 2);
create temp table k as select max(id) as id from notification_campaigns;
grant select on k to public;
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_bk", "messageId": "BK2", "errorCode": 420}');
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from k), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'BK1'), jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'BK2'))))
    - 'campaignId' - 'campaign',
  '{"sent": 1, "failed": 0, "failedByEarlyAck": 1, "unchanged": 0}'::jsonb, 'one sent, one failed by its early ACK');
select from tests.act_as_admin();
select is((select consecutive_failures from session_dispatch where session_id = 'wa_bk'), 0,
  'a failure by an early ACK after the last send does not count as a send-time failure in a row');

-- Times at now: A scheduled for now (due), B whose window closes now (expires), C's row leased until now (free).
select from tests.make_campaign('wa_bd', 1, 'scheduled');
select from tests.make_campaign('wa_bd', 1, 'scheduled');
select from tests.make_campaign('wa_bd', 1, 'scheduled');
create temp table bd as select array_agg(id order by id) as ids from notification_campaigns where session_id = 'wa_bd';
grant select on bd to public;
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0 where session_id = 'wa_bd';
update notification_campaigns set scheduled_at = now() where id = (select ids[1] from bd);
update notification_campaigns set send_before = now() where id = (select ids[2] from bd);
update notification_campaigns set status = 'sending' where id = (select ids[3] from bd);
update notification_campaign_groups set lease_until = now(), dispatch_message_id = 'BD-LEASED', claim_count = 1
where campaign_id = (select ids[3] from bd);
select from tests.act_as('gateway');
create temp table bc as select api.claim_sends('{"sessionId": "wa_bd", "max": 10}') as r;
select from tests.act_as_admin();
select is((select array_agg((s ->> 'campaignId')::bigint = (select ids[1] from bd) order by (s ->> 'campaignId')::bigint)
           from bc, jsonb_array_elements(r -> 'sends') s),
  array[true, false], 'claimed: the row of the campaign scheduled for now, and the row whose lease ended now');
select is((select s ->> 'messageId' from bc, jsonb_array_elements(r -> 'sends') s where (s ->> 'campaignId')::bigint = (select ids[3] from bd)),
  'BD-LEASED', '… which keeps its message id');
select is((select (status, cancel_reason)::text from notification_campaign_groups where campaign_id = (select ids[2] from bd)),
  '(cancelled,expired)', 'the row of the campaign whose window closed now expired');
select is((select count(*)::int from bc, jsonb_array_elements(r -> 'sends') s where (s ->> 'campaignId')::bigint = (select ids[2] from bd)), 0,
  '… and was not claimed');
select is((select cap_day_count from session_dispatch where session_id = 'wa_bd'), 2, 'two sends counted for today');

select * from finish();
rollback;
