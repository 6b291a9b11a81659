-- Ops: retention (internal.prune_step) deletes what is past its horizon and nothing younger of the
-- same session: a campaign finished now beside one finished long ago keeps its rows and the error
-- ACKs that point at them; delivery progress received now beside progress received long ago is
-- kept. (Found by generated mutants, docs/testing.md: a dropped condition in these statements
-- deleted or unlinked the session's young data, and file 53 keeps its young data in other sessions.)
begin;
select plan(5);

-- One session, two completed campaigns: A finished long ago, B finished now.
select from tests.make_campaign('wa_s', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'A');
select from tests.make_campaign('wa_s', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'B');
update notification_campaigns set finished_at = now() - (select keep from internal.retention_policy where kind = 'finished_campaigns') - interval '1 day'
where id = (select min(id) from notification_campaigns);

-- An error ACK applied now to B's first row.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_s", "messageId": "B1", "errorCode": 420}');
select from tests.act_as_admin();

-- Delivery progress of the session: one entry past its horizon, one received now.
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_s', 'OLDP', now(), now() - (select keep from internal.retention_policy where kind = 'status_inbox') - interval '1 day',
   now() - (select keep from internal.retention_policy where kind = 'status_inbox') - interval '1 day'),
  ('wa_s', 'NEWP', now(), now(), now());

select is(internal.prune_step(now(), 1000) -> 'finished_campaigns', '1'::jsonb, 'one campaign was past its horizon');
select is((select array_agg(id) from notification_campaigns), array[(select max(id) from notification_campaigns)],
  'the campaign finished now is kept beside the old one of its session');
select is((select count(*)::int from notification_campaign_groups), 2, '… with its rows');
select isnt((select campaign_group_id from message_error_inbox where message_id = 'B1'), null,
  'the ACK applied to the kept campaign still points at its row');
select is((select array_agg(message_id::text) from message_status_inbox), array['NEWP'],
  'delivery progress received now is kept beside the old progress of its session');

select * from finish();
rollback;
