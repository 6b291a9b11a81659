-- migrate:up

-- Read views for the CRM. security_invoker: they run as the caller, so grants and RLS apply.
create view api.campaigns with (security_invoker = true) as
select id, name, message, session_id, status,
       total_groups, pending_count, sent_count, failed_count, created_at, updated_at
from wa_data.notification_campaigns;
comment on view api.campaigns is 'Campaigns with their live totals and status.';

create view api.campaign_groups with (security_invoker = true) as
select id, campaign_id, group_jid, group_name, session_id, status, message_id,
       error_code, error_message, sent_at, failed_at, updated_at
from wa_data.notification_campaign_groups;
comment on view api.campaign_groups is
  'One row per campaign target. Filter status=eq.failed for the failed groups and their errors.';

create view api.sendable_groups with (security_invoker = true) as
select session_id, group_jid, name, participant_count, is_community_announce,
       linked_parent_jid, announce, first_seen_at, updated_at
from wa_data.whatsapp_groups
where inactive_since is null and not is_community;
comment on view api.sendable_groups is
  'Groups a campaign may target: active, never community parents.';

revoke all on api.campaigns, api.campaign_groups, api.sendable_groups from public, anon, gateway;
grant select on api.campaigns, api.campaign_groups, api.sendable_groups to crm;

-- migrate:down
drop view api.sendable_groups, api.campaign_groups, api.campaigns;
