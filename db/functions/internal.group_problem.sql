-- The one set of group rules, for every path that takes a gateway's group (api.sync_groups, and
-- the webhooks' group events through internal.upsert_groups): null for a valid group, else
-- 'invalid_group', 'invalid_group_jid' or 'invalid_group_field:<field>' (each field, when given,
-- of its type: isCommunity, isCommunityAnnounce, announce and restrict booleans; subject a group
-- subject; linkedParent a JID or ''; participants an array; size a whole number from 0 to 2^31-1).
-- A rule called per element: no SET clause, so that the planner inlines it into its callers'
-- cached plans (docs/design.md, "Security Advisor").
create or replace function internal.group_problem(g jsonb)
returns text
language sql
immutable
parallel safe
return case
  when jsonb_typeof(g) <> 'object' then 'invalid_group'
  when jsonb_typeof(g -> 'id') is distinct from 'string'
  or not internal.conforms(g ->> 'id', 'GroupJid') then 'invalid_group_jid'
  when coalesce(jsonb_typeof(g -> 'isCommunity'), 'null') not in (
    'boolean',
    'null'
  ) then 'invalid_group_field:isCommunity'
  when coalesce(jsonb_typeof(g -> 'isCommunityAnnounce'), 'null') not in (
    'boolean',
    'null'
  ) then 'invalid_group_field:isCommunityAnnounce'
  when coalesce(jsonb_typeof(g -> 'announce'), 'null') not in (
    'boolean',
    'null'
  ) then 'invalid_group_field:announce'
  when coalesce(jsonb_typeof(g -> 'restrict'), 'null') not in (
    'boolean',
    'null'
  ) then 'invalid_group_field:restrict'
  when coalesce(jsonb_typeof(g -> 'subject'), 'null') not in ('string', 'null')
  or not internal.conforms(g ->> 'subject', 'GroupSubject') then 'invalid_group_field:subject'
  when coalesce(jsonb_typeof(g -> 'linkedParent'), 'null') not in ('string', 'null')
  or not internal.conforms(nullif(g ->> 'linkedParent', ''), 'Jid') then 'invalid_group_field:linkedParent'
  when coalesce(jsonb_typeof(g -> 'participants'), 'null') not in (
    'array',
    'null'
  ) then 'invalid_group_field:participants'
  when coalesce(jsonb_typeof(g -> 'size'), 'null') not in ('number', 'null') then 'invalid_group_field:size'
  -- Only reached for numbers (or null), so the cast is safe; a whole number may be written 5.0.
  when (g ->> 'size')::numeric not between 0 and 2147483647
  or (g ->> 'size')::numeric <> trunc((g ->> 'size')::numeric) then 'invalid_group_field:size'
end;
revoke all on function internal.group_problem(jsonb) from public;
