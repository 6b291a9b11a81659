-- CRM and gateway: each call changes only what it names. Pausing or resuming a campaign leaves the
-- session's other campaigns as they were; a cancel cancels (and locks) its own pending rows only; a claim changes no
-- total, so the totals trigger writes no campaign (docs/design.md, "One lock order": it locks none
-- either), and it moves its own session's slot and daily count only; a sync that finds a stored group to be a community parent lets go of that group's
-- campaign rows only (and locks no other group); resume_session resumes its session only; a code
-- that does not restrict flags no session. Locks are read with pgrowlocks.
begin;
select plan(17);

-- The rows this transaction holds with a lock that makes writers wait (pgrowlocks, contrib: rolled
-- back with the test), not the key-share locks of foreign-key checks: which table, which row.
create extension pgrowlocks schema tests;
create temp view writer_locks as
  select 'notification_campaign_groups'::regclass as tbl, r.campaign_id as campaign_id, r.session_id, r.status::text as row_status
  from tests.pgrowlocks('wa_data.notification_campaign_groups') l join wa_data.notification_campaign_groups r on r.ctid = l.locked_row
  where l.modes && array['For No Key Update', 'For Update', 'No Key Update', 'Update']
  union all
  select 'notification_campaigns'::regclass, c.id, c.session_id, c.status
  from tests.pgrowlocks('wa_data.notification_campaigns') l join wa_data.notification_campaigns c on c.ctid = l.locked_row
  where l.modes && array['For No Key Update', 'For Update', 'No Key Update', 'Update']
  union all
  select 'whatsapp_groups'::regclass, null, w.session_id, null
  from tests.pgrowlocks('wa_data.whatsapp_groups') l join wa_data.whatsapp_groups w on w.ctid = l.locked_row
  where l.modes && array['For No Key Update', 'For Update', 'No Key Update', 'Update'];

select from tests.make_campaign('wa_o', 3, 'scheduled');
select from tests.make_campaign('wa_o', 3, 'scheduled');
create temp table c as select array_agg(id order by id) as ids from notification_campaigns where session_id = 'wa_o';
grant select on c to public;

-- A claim leases rows and changes no total: the totals trigger writes (and locks) no campaign.
select from tests.act_as_admin();
update notification_campaigns set updated_at = now() - interval '1 hour' where session_id = 'wa_o';
update session_dispatch set rate_per_minute = 60, jitter_seconds = 0 where session_id = 'wa_o';
-- Another session, claimed from before: its slot and count stay as they are.
select from tests.sync_n('wa_o2', 1);
update session_dispatch set next_slot_at = now() + interval '5 minutes', cap_day = (now() at time zone 'UTC')::date, cap_day_count = 7
where session_id = 'wa_o2';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_o", "max": 4}') -> 'sends'), 4, 'a claim takes four rows of two campaigns');
select from tests.act_as_admin();
select is((select array_agg(updated_at = now() - interval '1 hour' order by id) from notification_campaigns where session_id = 'wa_o'),
  array[true, true], '… and writes neither campaign');
select is((select count(*)::int from writer_locks where tbl = 'notification_campaigns'::regclass), 0, '… nor locks one');
select is((select (next_slot_at - now(), cap_day_count)::text from session_dispatch where session_id = 'wa_o2'), '(00:05:00,7)',
  '… nor another session''s slot and daily count');

-- Pause one: the other is not paused. Pause both, resume the first: the second stays paused.
select from tests.act_as('crm');
select from api.pause_campaign(jsonb_build_object('campaignId', (select ids[1] from c)));
select is((select array_agg(paused_at is not null order by id) from api.campaigns where session_id = 'wa_o'), array[true, false],
  'pause_campaign pauses its campaign only');
select from api.pause_campaign(jsonb_build_object('campaignId', (select ids[2] from c)));
select from api.resume_campaign(jsonb_build_object('campaignId', (select ids[1] from c)));
select is((select array_agg(paused_at is not null order by id) from api.campaigns where session_id = 'wa_o'), array[false, true],
  'resume_campaign resumes its campaign only');
select from api.resume_campaign(jsonb_build_object('campaignId', (select ids[2] from c)));

-- Cancel the first, one of whose rows was sent: its pending rows are cancelled, its sent row is not
-- locked, and the second campaign's rows are neither cancelled nor locked.
-- (Sent by a plain UPDATE: record_message_sent would hold its own lock on the row until the end.)
select from tests.act_as_admin();
update notification_campaign_groups set status = 'sent', message_id = 'O-1', sent_at = now(), lease_until = null
where campaign_id = (select ids[1] from c) and group_jid = tests.jid(1);
select from tests.act_as('crm');
select is((api.cancel_campaign(jsonb_build_object('campaignId', (select ids[1] from c))) ->> 'cancelledGroups')::int, 2,
  'cancel_campaign cancels its two pending rows');
select from tests.act_as_admin();
select is((select count(*)::int from writer_locks where tbl = 'notification_campaign_groups'::regclass and campaign_id = (select ids[1] from c)
             and row_status = 'sent'), 0,
  '… and holds no lock on its sent row (a late error ACK for it does not wait for the cancel)');
select is((select array_agg(distinct status::text) from notification_campaign_groups where campaign_id = (select ids[2] from c)), array['pending'],
  '… the other campaign''s rows stay pending');
select is((select count(*)::int from writer_locks where tbl = 'notification_campaign_groups'::regclass and campaign_id = (select ids[2] from c)), 0,
  '… and are not locked by the cancel');

-- A stored group reported as a community parent: its campaign rows let go of it, the others keep theirs.
select from tests.make_campaign('wa_p2', 3);
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_p2', 'groups', jsonb_build_array(tests.group_json(1),
  tests.group_json(2, null, '{"isCommunity": true}'), tests.group_json(3))));
select is((select jsonb_object_agg(group_jid, group_id is not null) from notification_campaign_groups where session_id = 'wa_p2'),
  jsonb_build_object(tests.jid(1), true, tests.jid(2), false, tests.jid(3), true),
  'a sync removing a parent releases that group''s rows only');
select is((select count(*)::int from notification_campaign_groups where session_id = 'wa_o' and group_id is null), 0,
  '… and no row of another session');
select is((select count(*)::int from writer_locks where tbl = 'whatsapp_groups'::regclass), 0,
  '… and holds no lock on another group, of this session or another (the unchanged groups 1 and 3)');

-- resume_session resumes its session's dispatch only.
update session_dispatch set paused_at = now(), pause_reason = 'test' where session_id in ('wa_o', 'wa_o2');
select from tests.act_as('crm');
select from api.resume_session('{"sessionId": "wa_o"}');
select is((select jsonb_object_agg(session_id, paused_at is not null) from api.sessions where session_id in ('wa_o', 'wa_o2')),
  '{"wa_o": false, "wa_o2": true}', 'resume_session resumes its session only');
select from tests.act_as_admin();

-- A code that does not restrict (420) flags no session, also when handed to the flag directly.
select is((internal.flag_restricted_session('wa_o', 420), (select restricted_at from whatsapp_sessions where session_id = 'wa_o'))::text,
  '(f,)', 'internal.flag_restricted_session: a code without the restricts_session effect flags nothing and says so');
select is(internal.flag_restricted_session(null, 463), false, '… nor does a restricting code without a session');

-- The view sees a lock taken in a subtransaction (as an RPC with an exception handler takes them).
do $$ begin perform from wa_data.notification_campaign_groups r where r.campaign_id = (select ids[2] from c) for no key update;
  exception when others then null; end $$;
select is((select count(*)::int from writer_locks where tbl = 'notification_campaign_groups'::regclass and campaign_id = (select ids[2] from c)), 3,
  'the lock check sees rows locked in a subtransaction');

select * from finish();
rollback;
