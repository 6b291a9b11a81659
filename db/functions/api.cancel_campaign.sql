-- POST /rpc/cancel_campaign (crm): {"campaignId"}. Every row not yet sent becomes cancelled (a
-- send result for it is refused from now on), and the campaign's status is cancelled for good.
-- Locks in the one order every path follows (docs/design.md, "Locks"): the campaign's rows, then
-- the campaign. (Campaign first, as it was, deadlocked with send records taking rows first.)
create or replace function api.cancel_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  campaign wa_data.notification_campaigns;
  cancelled integer;
  -- One time for the call (and, on Citus, no now() inside COALESCE).
  at_now constant timestamptz := now();
begin
  -- In the body, not the declaration: whatever waits there is inside the timeout handler below.
  campaign := internal.campaign_of($1, lock => false);
  -- Rows not yet sent, in id order: a send record holding one finishes first, and the row then
  -- no longer counts as pending.
  perform from wa_data.notification_campaign_groups r
  where r.session_id = campaign.session_id and r.campaign_id = campaign.id and r.status = 'pending'
  order by r.id
  for no key update;
  -- Then the campaign, read again under its lock: its status decides (it may have completed
  -- meanwhile, when the last pending rows were sent).
  campaign := internal.campaign_of($1, lock => true);
  if internal.campaign_transition(campaign.status, 'cancel') is null then
    perform internal.raise_api_error(409, 'invalid_transition',
      format('Campaign %s is %s: it cannot be cancelled.', campaign.id, campaign.status),
      jsonb_build_object('status', campaign.status, 'action', 'cancel'));
  end if;
  -- The rows first (the totals trigger counts them, and internal.campaign_status makes a campaign
  -- with cancelled rows cancelled); then the status, for a campaign that had no pending row.
  update wa_data.notification_campaign_groups
  set status = 'cancelled', cancel_reason = 'cancelled', cancelled_at = at_now, lease_until = null, updated_at = at_now
  where session_id = campaign.session_id and campaign_id = campaign.id and status = 'pending';
  get diagnostics cancelled = row_count;
  update wa_data.notification_campaigns set status = 'cancelled', finished_at = coalesce(finished_at, at_now), updated_at = at_now
  where session_id = campaign.session_id and id = campaign.id
  returning * into campaign;
  return internal.campaign_summary(campaign) || jsonb_build_object('cancelledGroups', cancelled);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.cancel_campaign(jsonb) from public;
grant execute on function api.cancel_campaign(jsonb) to crm;
comment on function api.cancel_campaign(jsonb) is
  'CRM: cancel a campaign: groups not yet sent are cancelled and never sent later; the totals count them.';
