-- The campaign a CRM call names ({"campaignId": n}), or the coded refusal: 400 invalid_body, 422
-- invalid_campaign_id, 404 campaign_not_found. `lock`: held for this transaction (no key update),
-- for the lifecycle RPCs; record_message_sent reads it without, as its locks come in their own
-- order (docs/design.md, "Locks").
create or replace function internal.campaign_of(payload jsonb, lock boolean default true)
returns wa_data.notification_campaigns
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  wanted constant bigint := internal.campaign_id(payload);
  campaign wa_data.notification_campaigns;
begin
  -- Found by id, then (to lock it) by its whole key: a locking read names the session, which on
  -- Citus is the campaign's shard (docs/citus.md).
  select * into campaign from wa_data.notification_campaigns where notification_campaigns.id = wanted;
  if found and lock then
    select * into campaign from wa_data.notification_campaigns
    where notification_campaigns.session_id = campaign.session_id and notification_campaigns.id = wanted
    for no key update;
  end if;
  if not found then
    perform internal.raise_api_error(404, 'campaign_not_found', format('Campaign %s does not exist.', wanted));
  end if;
  return campaign;
end
$$;
revoke all on function internal.campaign_of(jsonb, boolean) from public;
