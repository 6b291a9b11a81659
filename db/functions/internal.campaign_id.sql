-- The campaign id a CRM call names ({"campaignId": n}), checked: 400 invalid_body, 422
-- invalid_campaign_id. (record_message_sent checks it before the sends, and looks the campaign up
-- after them.)
create or replace function internal.campaign_id(payload jsonb)
returns bigint
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"campaignId": 1, ...}.');
  end if;
  if jsonb_typeof(payload -> 'campaignId') is distinct from 'number'
     or (payload ->> 'campaignId') !~ '^[0-9]{1,18}$' then
    perform internal.raise_api_error(422, 'invalid_campaign_id', 'campaignId must be a campaign id (a whole number).');
  end if;
  return (payload ->> 'campaignId')::bigint;
end
$$;
revoke all on function internal.campaign_id(jsonb) from public;
