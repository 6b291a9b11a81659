-- The campaign a CRM call names ({"campaignId": n}), locked for this transaction (no key update:
-- the order every path takes, docs/design.md "Locks"), or the coded refusal.
create or replace function internal.lock_campaign(payload jsonb) returns wa_data.notification_campaigns
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  campaign wa_data.notification_campaigns;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"campaignId": 1, ...}.');
  end if;
  if jsonb_typeof(payload -> 'campaignId') is distinct from 'number'
     or (payload ->> 'campaignId') !~ '^[0-9]{1,18}$' then
    perform internal.raise_api_error(422, 'invalid_campaign_id', 'campaignId must be a campaign id (a whole number).');
  end if;
  select * into campaign from wa_data.notification_campaigns
  where id = (payload ->> 'campaignId')::bigint for no key update;
  if not found then
    perform internal.raise_api_error(404, 'campaign_not_found', format('No campaign %s.', payload ->> 'campaignId'));
  end if;
  return campaign;
end
$$;
revoke all on function internal.lock_campaign(jsonb) from public;
