-- Gateway: message ids are unique per session only, so progress another session reports for the
-- same id never lands on this session's row: each row takes its own session's time, whichever
-- session's progress arrived first and however the sessions' names sort (an index over
-- (message_id, session_id) returns the other session's entry first when its name sorts first).
begin;
select plan(4);

select tests.make_campaign('prog_mmm', 2) as ours \gset
select from tests.mark_sent(:ours, 1, 2, 'SAME');
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = :ours;
create temp table t as select extract(epoch from date_trunc('second', now()) - interval '50 minutes')::bigint as early,
  extract(epoch from date_trunc('second', now()) - interval '10 minutes')::bigint as late;

-- Two other sessions, one sorting before ours and one after, report the same ids delivered early;
-- ours reports them later.
select from api.record_message_status(jsonb_build_object('events', jsonb_build_array(
  jsonb_build_object('sessionId', 'prog_aaa', 'messageId', 'SAME1', 'status', 'delivered', 'at', (select early from t)),
  jsonb_build_object('sessionId', 'prog_zzz', 'messageId', 'SAME2', 'status', 'delivered', 'at', (select early from t)))));
select is(api.record_message_status(jsonb_build_object('events', jsonb_build_array(
  jsonb_build_object('sessionId', 'prog_mmm', 'messageId', 'SAME1', 'status', 'delivered', 'at', (select late from t)),
  jsonb_build_object('sessionId', 'prog_mmm', 'messageId', 'SAME2', 'status', 'delivered', 'at', (select late from t)))))
  #>> '{counts,applied}', '2', 'our session''s two deliveries apply');
select is((select delivered_at from notification_campaign_groups where campaign_id = :ours and message_id = 'SAME1'),
  (select to_timestamp(late) from t), 'a row takes its own session''s time, not that of a session sorting before it');
select is((select delivered_at from notification_campaign_groups where campaign_id = :ours and message_id = 'SAME2'),
  (select to_timestamp(late) from t), '… nor that of a session sorting after it');
select is((select count(*)::int from message_status_inbox where message_id in ('SAME1', 'SAME2')), 4,
  'each session keeps its own progress for the id');

select * from finish();
rollback;
