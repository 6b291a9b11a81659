-- Gateway: a claim expires at most sendsPerCall rows past their window (docs/design.md, "Dispatch",
-- Expiry: bounded work and row locks per claim; the next claims expire the rest), and never hands
-- out a row of a campaign whose window closed, not even one this claim left to expire later.
-- A campaign of sendsPerCall + 1 groups whose sendBefore is now; and one whose one expired row makes
-- it cancelled beside a sent one.
begin;
select plan(6);

create temp table lim as select internal.limit('sendsPerCall') as n;
grant select on lim to public;
select from tests.make_campaign('wa_x', 1, 'scheduled');
-- Its other sendsPerCall rows, written directly: the rows create_campaign would write, without a
-- sync and its per-group checks (this file is about the claim; it stays quick under a busy machine).
insert into notification_campaign_groups (campaign_id, session_id, group_jid)
select (select max(id) from notification_campaigns where session_id = 'wa_x'), 'wa_x', tests.jid(i)
from generate_series(2, (select n + 1 from lim)) i;
update notification_campaigns set send_before = now() where session_id = 'wa_x';

select from tests.act_as('gateway');
create temp table first as select api.claim_sends('{"sessionId": "wa_x", "max": 5}') as r;
select is((select r - 'held' from first), '{"sends": [], "nextAt": null}'::jsonb,
  'the window closed now: nothing is handed out, and nothing is due later (nextAt null)');
select from tests.act_as_admin();
select is((select count(*)::int from notification_campaign_groups where session_id = 'wa_x' and cancel_reason = 'expired'),
  (select n from lim), 'one claim expires sendsPerCall rows');
select is((select count(*)::int from notification_campaign_groups where session_id = 'wa_x' and status = 'pending'), 1,
  '… and leaves the last one pending');

select from tests.act_as('gateway');
select is(api.claim_sends('{"sessionId": "wa_x", "max": 5}') -> 'sends', '[]'::jsonb,
  'the next claim hands out nothing either');
select from tests.act_as_admin();
select is((select (status, cancelled_count) from notification_campaigns where session_id = 'wa_x')::text,
  format('(cancelled,%s)', (select n + 1 from lim)), '… and expires the rest: the campaign ends cancelled');

-- One row sent, the other expires: none pending, a cancelled row: the campaign is cancelled.
select from tests.make_campaign('wa_y', 2, 'scheduled');
select from tests.mark_sent((select max(id) from notification_campaigns where session_id = 'wa_y'), 1, 1, 'Y');
update notification_campaigns set send_before = now() where session_id = 'wa_y';
select from tests.act_as('gateway');
select from api.claim_sends('{"sessionId": "wa_y"}');
select from tests.act_as_admin();
select is((select (status, sent_count, cancelled_count, pending_count) from notification_campaigns where session_id = 'wa_y')::text,
  '(cancelled,1,1,0)', 'one sent, one expired: the campaign ends cancelled');

select * from finish();
rollback;
