-- migrate:up

-- What the totals trigger hands to internal.apply_campaign_row_changes: per campaign and status,
-- how many rows came (+) or went (-). A type, so the trigger's statements can be static SQL.
create type internal.campaign_row_change as (campaign_id bigint, status text, n integer);

-- migrate:down
drop type internal.campaign_row_change;
