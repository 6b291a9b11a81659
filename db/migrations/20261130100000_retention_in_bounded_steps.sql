-- migrate:up

-- Retention became a procedure of bounded, separately committed steps (db/functions/internal.prune.sql,
-- internal.prune_step.sql): the old one-transaction function goes (a routine cannot change kind in
-- place), and the functions folder defines the procedure.
drop function if exists internal.prune(timestamptz);

-- Lock rows are now pruned with what they guard. Those left behind by campaigns and inbox entries
-- pruned before this (a lock row per message id ever named) go once, here: a lock row is only a
-- mutex, and the next caller that needs one makes it again.
delete from wa_data.message_id_locks l
where not exists (select from wa_data.notification_campaign_groups r where r.message_id = l.message_id)
  and not exists (select from wa_data.message_error_inbox i where i.message_id = l.message_id)
  and not exists (select from wa_data.message_status_inbox s where s.message_id = l.message_id);

-- migrate:down
select 1;
