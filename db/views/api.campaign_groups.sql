-- GET /campaign_groups (crm): one row per campaign target, with its status and error.
create view api.campaign_groups
with (security_invoker = true)
as
  select
    id,
    campaign_id,
    group_jid,
    group_name,
    session_id,
    status,
    message_id,
    error_code,
    error_message,
    sent_at,
    failed_at,
    updated_at,
    delivered_at,
    read_at,
    cancelled_at
  from wa_data.notification_campaign_groups;
comment on view api.campaign_groups is
  'One row per campaign target. Filter status=eq.failed for the failed groups and their errors.';
revoke all on api.campaign_groups from public;
grant select on api.campaign_groups to crm;
