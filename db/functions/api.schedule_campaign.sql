-- POST /rpc/schedule_campaign (crm): {"campaignId", "scheduled": true} schedules a draft,
-- false unschedules it back to draft. Any other transition is 409 invalid_transition.
create or replace function api.schedule_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  campaign wa_data.notification_campaigns;
  action text;
  next_status text;
begin
  -- In the body, not the declaration: a lock wait there is inside the timeout handler below.
  campaign := internal.campaign_of($1);
  if jsonb_typeof($1 -> 'scheduled') is distinct from 'boolean' then
    perform internal.raise_api_error(422, 'invalid_scheduled', 'scheduled must be true (schedule) or false (back to draft).');
  end if;
  action := case when ($1 -> 'scheduled')::boolean then 'schedule' else 'unschedule' end;
  next_status := internal.campaign_transition(campaign.status, action);
  if next_status is null then
    perform internal.raise_api_error(409, 'invalid_transition',
      format('Campaign %s is %s: it cannot %s.', campaign.id, campaign.status, action),
      jsonb_build_object('status', campaign.status, 'action', action));
  end if;
  update wa_data.notification_campaigns set status = next_status, updated_at = now()
  where session_id = campaign.session_id and id = campaign.id;
  return jsonb_build_object('campaignId', campaign.id, 'status', next_status);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.schedule_campaign(jsonb) from public;
grant execute on function api.schedule_campaign(jsonb) to crm;
comment on function api.schedule_campaign(jsonb) is
  'CRM: schedule a draft campaign (scheduled: true) or put a scheduled one back to draft (false).';
