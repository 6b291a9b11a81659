-- Ops: retention (internal.prune_step, as internal.prune runs it) deletes what is past its horizon
-- in internal.retention_policy and nothing younger: finished campaigns (partial_failure too) with
-- their rows, settled error ACKs (matched late too), resolved quarantine bodies, Idempotency-Key
-- answers past their day (a key aged two days no longer replays).
begin;
select plan(6);

-- Three finished campaigns: completed long ago, partial_failure long ago, completed now.
select from tests.make_campaign('wa_old', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'OLD');
select from tests.make_campaign('wa_part', 2);
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'PART1'), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420))));
select from tests.act_as_admin();
select from tests.make_campaign('wa_new', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'NEW');
update notification_campaigns set finished_at = now() - (select keep from internal.retention_policy where kind = 'finished_campaigns') - interval '1 day'
where session_id in ('wa_old', 'wa_part');

-- Error ACKs: applied long ago, applied now, matched late long ago.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_old", "messageId": "OLD1"}');
select from api.record_message_error('{"sessionId": "wa_old", "messageId": "NEW1"}');
select from api.record_message_error('{"sessionId": "wa_old", "messageId": "LATE1"}');
select from tests.act_as_admin();
update message_error_inbox set matched_at = now(), resolution = 'applied' where message_id = 'LATE1';
update message_error_inbox set received_at = now() - (select keep from internal.retention_policy where kind = 'inbox_settled') - interval '1 day'
where message_id in ('OLD1', 'LATE1');

-- A body resolved yesterday that first arrived long ago.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_old", "messageId": 7}');
select from tests.act_as_admin();
update message_error_quarantine set resolved_at = now() - interval '1 day', resolution = 'dismissed',
  received_at = now() - (select keep from internal.retention_policy where kind = 'quarantine_unresolved') - interval '1 day',
  last_received_at = now() - (select keep from internal.retention_policy where kind = 'quarantine_unresolved') - interval '1 day';

-- Idempotency-Key answers: one kept two days ago (past the policy's day), one kept now.
insert into idempotency_keys (caller, key, endpoint, request_hash, response, created_at) values
  ('key:1', 'old', 'create_campaign', sha256('x'), '{}', now() - interval '2 days'),
  ('key:1', 'new', 'create_campaign', sha256('x'), '{}', now());

select is(internal.prune_step(now(), 1000) - 'message_id_locks' - 'more',
  '{"inbox_settled": 2, "inbox_expired": 0, "quarantine_resolved": 0, "quarantine_unresolved": 0, "status_inbox": 0,
    "finished_campaigns": 2, "idempotency_keys": 1, "skippedCampaigns": []}'::jsonb,
  'two campaigns, two ACKs and one Idempotency-Key were past their horizons');
select is((select array_agg(session_id::text order by session_id) from notification_campaigns), array['wa_new'],
  'the campaign finished now is kept; the old completed and partial_failure ones are gone');
select is((select count(*)::int from notification_campaign_groups), 1, '… with their rows');
select is((select array_agg(message_id::text) from message_error_inbox), array['NEW1'], 'the ACK settled now is kept');
select is((select array_agg(key::text) from idempotency_keys), array['new'], 'the Idempotency-Key aged two days is gone, today''s kept');
select is((select keep from internal.retention_policy where kind = 'idempotency_keys'), interval '1 day',
  '… as the policy says (a day)');

select * from finish();
rollback;
