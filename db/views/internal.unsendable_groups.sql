-- The groups an error code made unsendable (wa_data.error_code_effects, effect group_unsendable),
-- per session, written once: api.sendable_groups, internal.create_campaign and
-- internal.retry_failed_groups leave them out with it, beside internal.group_is_sendable; a caller
-- filters it by session and JID (the key). A view, not a SQL function: the rewriter expands it into
-- the caller's query before any planner sees it, so it inlines on one server and Citus sees the
-- distributed table it reads (an inlined SQL function hid it: Citus refused the caller's
-- parameterized statement, or planned it as a local query over the coordinator's empty shell
-- table; docs/citus.md, item 30).
create view internal.unsendable_groups
with (security_invoker = true)
as
  select m.session_id, m.group_jid from wa_data.group_unsendable_marks m;
comment on view internal.unsendable_groups is
  'Groups marked unsendable by an error code (until a sync of their session reports them again): no campaign may target them.';
revoke all on internal.unsendable_groups from public;
-- crm reads api.sendable_groups (security_invoker), which reads it.
grant select on internal.unsendable_groups to crm;
