-- POST /rpc/pause_campaign (crm): {"campaignId"}. claim_sends hands out none of the campaign's
-- sends until resume_campaign (those already claimed may still be reported). A campaign that is
-- final or already paused: 409 invalid_transition.
create or replace function api.pause_campaign(jsonb)
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
  if campaign.paused_at is not null or campaign.status = any (internal.final_values('CampaignStatus')) then
    perform internal.raise_api_error(409, 'invalid_transition',
      format('Campaign %s is %s%s: it cannot be paused.', campaign.id, campaign.status,
             case when campaign.paused_at is not null then ' and paused' else '' end),
      jsonb_build_object('status', campaign.status, 'action', 'pause'));
  end if;
  update wa_data.notification_campaigns c set paused_at = now(), updated_at = now()
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
revoke all on function api.pause_campaign(jsonb) from public;
grant execute on function api.pause_campaign(jsonb) to crm;
comment on function api.pause_campaign(jsonb) is
  'CRM: pause a campaign''s dispatch: none of its sends is claimed until resume_campaign.';
