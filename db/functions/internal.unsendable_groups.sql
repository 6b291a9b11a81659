-- The groups an error code made unsendable (wa_data.error_code_effects, effect group_unsendable),
-- per session, written once: api.sendable_groups, internal.create_campaign and
-- internal.retry_failed_groups leave them out with it, beside internal.group_is_sendable. A
-- set-returning rule read per element: no SET clause, so that it inlines into the caller's plan
-- (db/tests/07, CONVENTIONS.md "Functions"); a caller filters it by session and JID (the key).
create or replace function internal.unsendable_groups()
returns table (session_id text, group_jid text)
language sql
stable
parallel safe
begin atomic
  select m.session_id, m.group_jid from wa_data.group_unsendable_marks m;
end;
revoke all on function internal.unsendable_groups() from public;
-- crm reads api.sendable_groups (security_invoker), which reads it.
grant execute on function internal.unsendable_groups() to crm;
comment on function internal.unsendable_groups is
  'Groups marked unsendable by an error code (until a sync of their session reports them again): no campaign may target them.';
