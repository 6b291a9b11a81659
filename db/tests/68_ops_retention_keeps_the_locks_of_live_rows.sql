-- Ops: retention (internal.prune_step) deletes the message-id lock rows of the inbox entries it
-- deletes, and only those: not the lock of a message id a campaign row still has (the next ACK of
-- that message must wait on it), not a lock whose message had nothing pruned; and it says "more"
-- when a kind filled its batch (internal.prune then runs another step). pgTAP 53 and 61 count the
-- rows pruned, not the locks left. Each session has one entry pruned: the lock rule must hold
-- when the step's list of message ids has a single element, too.
begin;
select plan(6);

-- wa_pa: PA1 and PA2 sent (rows hold them), an error ACK of PA1 applied long ago.
select from tests.make_campaign('wa_pa', 3);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'PA');
-- wa_pb: PB1 sent, an error ACK of an unknown message PBX expired long ago.
select from tests.make_campaign('wa_pb', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'PB');
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_pa", "messageId": "PA1", "errorCode": 420}');
select from api.record_message_error('{"sessionId": "wa_pb", "messageId": "PBX", "errorCode": 420}');
select from tests.act_as_admin();
update message_error_inbox set received_at = now() - (select keep from internal.retention_policy where kind = 'inbox_settled') - interval '1 day'
where message_id = 'PA1';
update message_error_inbox set expired_at = now() - (select keep from internal.retention_policy where kind = 'inbox_expired') - interval '1 day'
where message_id = 'PBX';
insert into message_id_locks (session_id, message_id)
select s, m from (values ('wa_pa', 'PA1'), ('wa_pa', 'PA2'), ('wa_pb', 'PB1'), ('wa_pb', 'PBX')) v(s, m)
on conflict do nothing;
select is((select array_agg(session_id || ':' || message_id order by session_id, message_id) from message_id_locks
           where session_id in ('wa_pa', 'wa_pb')),
  array['wa_pa:PA1', 'wa_pa:PA2', 'wa_pb:PB1', 'wa_pb:PBX'], 'before: a lock row per message id');

-- A batch of 1: each inbox kind that deleted one filled its batch.
select is(internal.prune_step(now(), 1) - 'skippedCampaigns' - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys' - 'finished_campaigns',
  '{"inbox_settled": 1, "inbox_expired": 1, "status_inbox": 0, "message_id_locks": 1, "more": true}'::jsonb,
  'a step with a batch of 1 deletes one settled and one expired ACK and one lock row, and says there may be more');
select is((select array_agg(message_id::text order by message_id) from message_error_inbox where session_id in ('wa_pa', 'wa_pb')), null,
  'both ACKs are gone');
select is((select array_agg(session_id || ':' || message_id order by session_id, message_id) from message_id_locks
           where session_id in ('wa_pa', 'wa_pb')),
  array['wa_pa:PA1', 'wa_pa:PA2', 'wa_pb:PB1'],
  'the lock of the expired unknown message is gone; those of message ids rows still have are kept');
select is(internal.prune_step(now(), 1) -> 'more', 'false'::jsonb, 'the next step finds nothing and says so');

-- Only the settled kind fills its batch: still "more".
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_pa", "messageId": "PA2", "errorCode": 420}');
select from tests.act_as_admin();
update message_error_inbox set received_at = now() - (select keep from internal.retention_policy where kind = 'inbox_settled') - interval '1 day'
where message_id = 'PA2';
select is(internal.prune_step(now(), 1) -> 'more', 'true'::jsonb, 'one kind filling its batch is enough for "more"');

select * from finish();
rollback;
