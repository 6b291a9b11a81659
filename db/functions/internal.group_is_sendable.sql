-- The rule "a campaign may target this group", written once: an active group (still reported by its
-- session) that is not a community parent. api.sendable_groups lists by it, internal.create_campaign
-- refuses by it and internal.retry_failed_groups picks by it. A rule called per element: no SET
-- clause, so that it inlines into the caller's lookup (db/tests/07, CONVENTIONS.md "Functions").
create or replace function internal.group_is_sendable(inactive_since timestamptz, is_community boolean)
returns boolean
language sql
immutable
parallel safe
return inactive_since is null and not is_community;
revoke all on function internal.group_is_sendable(timestamptz, boolean) from public;
-- crm reads api.sendable_groups (security_invoker), which calls it.
grant execute on function internal.group_is_sendable(timestamptz, boolean) to crm;
comment on function internal.group_is_sendable(timestamptz, boolean) is
  'A campaign may target the group: active and not a community parent (the session''s restriction is checked apart: internal.restricted_sessions).';
