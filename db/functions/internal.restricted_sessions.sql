-- The sessions WhatsApp restricted (no campaign may send from them), written once: for
-- api.sendable_groups (an anti-join) and internal.create_campaign (its 409 session_restricted). A
-- set-returning rule read per element: no SET clause, so that it inlines into the caller's plan
-- (db/tests/07, CONVENTIONS.md "Functions"); a caller filters it by session (an index lookup).
create or replace function internal.restricted_sessions()
returns table (session_id text)
language sql
stable
parallel safe
begin atomic
  select s.session_id from wa_data.whatsapp_sessions s where s.restricted_at is not null;
end;
revoke all on function internal.restricted_sessions() from public;
-- crm reads api.sendable_groups (security_invoker), which reads it.
grant execute on function internal.restricted_sessions() to crm;
comment on function internal.restricted_sessions is
  'The sessions flagged as restricted by WhatsApp (restricted_at): nothing may be sent from them.';
