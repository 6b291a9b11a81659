-- GET /campaigns (crm, ops): campaigns with their live totals and status, and which gateway
-- reports the session's progress (Evolution API reports no delivery or read for group messages).
create view api.campaigns
with (security_invoker = true)
as
  select
    c.id,
    c.name,
    c.message,
    c.session_id,
    c.status,
    c.total_groups,
    c.pending_count,
    c.sent_count,
    c.failed_count,
    c.created_at,
    c.updated_at,
    c.delivered_count,
    c.read_count,
    c.cancelled_count,
    c.finished_at,
    s.gateway as progress_source,
    case s.gateway
      when 'evolution_api' then false
      when 'waha' then true
      when 'direct' then true
    end as progress_reported
  from
    wa_data.notification_campaigns c
    left join wa_data.whatsapp_sessions s on s.session_id = c.session_id;
comment on view api.campaigns is
  'Campaigns with their live totals and status. progress_source: the gateway reporting for the session; progress_reported false means delivered/read are never reported there (Evolution API, group messages).';
revoke all on api.campaigns from public;
grant select on api.campaigns to crm, ops;
