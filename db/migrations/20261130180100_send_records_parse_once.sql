-- migrate:up

-- Parse once, then decide (issue 25.1; docs/design.md, "Parse once, then decide"): a send record
-- (api.record_message_sent) is parsed once into rows of this type, held in a PL/pgSQL variable:
-- the group, the message id in its one form (internal.message_id_parts; null for a send-time
-- failure), the send-time error, and what is wrong with it (null when it is valid). `idx` is its
-- 1-based place in the body.
create type internal.send_result as (
  idx integer, group_jid text, message_id text, error_code integer, error_message text, problem text);

-- migrate:down
-- (With the function that takes it: the functions folder of the build migrated to defines its own.)
drop type internal.send_result cascade;
