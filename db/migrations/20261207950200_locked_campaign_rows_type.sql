-- migrate:up

-- A send record (api.record_message_sent) locks and reads its campaign rows once, into a variable
-- of this type: the six columns its decisions read, not the table's 21 (issue 36; docs/design.md,
-- "What the hot paths pay for").
create type internal.locked_campaign_row as (
  id bigint, group_jid text, status text, message_id text, error_code integer, error_message text);

-- migrate:down
-- (With the function that takes it: the functions folder of the build migrated to defines its own.)
drop type internal.locked_campaign_row cascade;
