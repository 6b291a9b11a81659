-- The sessions WhatsApp restricted (no campaign may send from them), written once: for
-- api.sendable_groups (an anti-join) and internal.create_campaign (its 409 session_restricted); a
-- caller filters it by session (an index lookup). A view, not a SQL function: the rewriter expands
-- it into the caller's query before any planner sees it, so it inlines on one server and Citus sees
-- the distributed table it reads (an inlined SQL function hid it: Citus planned the caller as a
-- local query and read the coordinator's empty shell table; docs/citus.md, item 30).
create view internal.restricted_sessions
with (security_invoker = true)
as
  select s.session_id from wa_data.whatsapp_sessions s where s.restricted_at is not null;
comment on view internal.restricted_sessions is
  'The sessions flagged as restricted by WhatsApp (restricted_at): nothing may be sent from them.';
revoke all on internal.restricted_sessions from public;
-- crm reads api.sendable_groups (security_invoker), which reads it.
grant select on internal.restricted_sessions to crm;
