-- Ops: retention (internal.prune_step) deletes the message-id lock rows of the campaign it
-- prunes, and counts them, but not the locks of a live campaign of the same session, nor the lock
-- of the same message id in another session; and the lock of a settled error ACK whose campaign is
-- gone goes with that ACK. (Found by generated mutants: the campaign's message ids read without
-- its campaign, its lock rows deleted by session alone; pgTAP 68 covers the locks of the inboxes'
-- entries while their campaigns live.)
begin;
select plan(4);

-- wa_l: campaign A (finished long ago; messages LA1, LA2) and campaign B (sending; LB1).
select from tests.make_campaign('wa_l', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'LA');
update notification_campaigns set finished_at = now() - (select keep from internal.retention_policy where kind = 'finished_campaigns') - interval '1 day'
where id = (select max(id) from notification_campaigns);
select from tests.make_campaign('wa_l', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'LB');
-- wa_m: a live campaign whose message has A's first id (ids are unique per session only).
select from tests.make_campaign('wa_m', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'LA');
-- wa_g: an error ACK settled long ago whose campaign was pruned before (no row has its id).
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at)
values ('wa_g', 'G1', '{}', 'applied', now() - (select keep from internal.retention_policy where kind = 'inbox_settled') - interval '1 day');
insert into message_id_locks (session_id, message_id)
select s, m from (values ('wa_l', 'LA1'), ('wa_l', 'LA2'), ('wa_l', 'LB1'), ('wa_m', 'LA1'), ('wa_g', 'G1')) v(s, m)
on conflict do nothing;

select is(internal.prune_step(now(), 1000) - 'skippedCampaigns' - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys'
            - 'inbox_expired' - 'status_inbox' - 'more',
  '{"finished_campaigns": 1, "inbox_settled": 1, "message_id_locks": 3}'::jsonb,
  'one campaign and one ACK pruned, with their three lock rows');
select is((select array_agg(session_id || ':' || message_id order by session_id, message_id) from message_id_locks
           where session_id in ('wa_l', 'wa_m', 'wa_g')),
  array['wa_l:LB1', 'wa_m:LA1'],
  'the locks of the live campaign and of the same id in another session are kept');
select is((select array_agg(message_id::text order by message_id) from notification_campaign_groups where session_id in ('wa_l', 'wa_m')),
  array['LA1', 'LB1', null], 'the live campaigns keep their rows');
select is((select count(*)::int from message_error_inbox where session_id = 'wa_g'), 0, 'the settled ACK is gone');

select * from finish();
rollback;
