-- POST /rpc/resume_campaign (crm): {"campaignId"}. A paused campaign's sends are claimed again.
-- A campaign that is not paused (or final): 409 invalid_transition.
create or replace function api.resume_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  campaign wa_data.notification_campaigns;
begin
  -- In the body, not the declaration: a lock wait there is inside the timeout handler below.
  campaign := internal.campaign_of($1);
  if campaign.paused_at is null or campaign.status = any (internal.final_values('CampaignStatus')) then
    perform internal.raise_api_error(409, 'invalid_transition',
      format('Campaign %s is %s and not paused: it cannot be resumed.', campaign.id, campaign.status),
      jsonb_build_object('status', campaign.status, 'action', 'resume'));
  end if;
  update wa_data.notification_campaigns c set paused_at = null, updated_at = now()
  where c.session_id = campaign.session_id and c.id = campaign.id
  returning * into campaign;
  return internal.campaign_summary(campaign);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.resume_campaign(jsonb) from public;
grant execute on function api.resume_campaign(jsonb) to crm;
comment on function api.resume_campaign(jsonb) is
  'CRM: resume a paused campaign: its sends are claimed again.';
