-- GET /sendable_groups (crm): what a campaign may target.
create view api.sendable_groups
with (security_invoker = true)
as
  select
    g.session_id,
    g.group_jid,
    g.name,
    g.participant_count,
    g.is_community_announce,
    g.linked_parent_jid,
    g.announce,
    g.first_seen_at,
    g.updated_at
  from wa_data.whatsapp_groups g
  where
    internal.group_is_sendable(g.inactive_since, g.is_community)
    and not exists (select from internal.restricted_sessions r where r.session_id = g.session_id)
    and not exists (
      select
      from internal.unsendable_groups u
      where u.session_id = g.session_id and u.group_jid = g.group_jid
    );
comment on view api.sendable_groups is
  'Groups a campaign may target: active, never community parents, never of a restricted session, never marked unsendable by an error code until a sync reports them again.';
revoke all on api.sendable_groups from public;
grant select on api.sendable_groups to crm;
