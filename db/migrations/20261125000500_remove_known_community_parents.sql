-- migrate:up

-- Data fix from the original report: two community parent groups were stored and picked as
-- campaign targets (sends to them fail later with error 420). Campaign rows that referenced
-- them keep their JID/name snapshot (group_id becomes null through ON DELETE SET NULL).
delete from wa_data.whatsapp_groups
where group_jid in ('120363407711548023@g.us', '120363405870946081@g.us');

-- migrate:down
-- Deleted rows are not restored: they were never valid targets.
