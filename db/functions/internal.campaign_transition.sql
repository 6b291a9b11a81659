-- The transitions the CRM may ask for, as one pure function: the status an action leads to from
-- the current one, or null when it makes no sense (answered 409 invalid_transition). Any campaign
-- not yet final (CampaignStatus's x-final) may be cancelled.
create or replace function internal.campaign_transition(current_status text, action text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select
    case
      when action = 'schedule'
      and current_status = 'draft' then 'scheduled'
      when action = 'unschedule'
      and current_status = 'scheduled' then 'draft'
      when action = 'cancel'
      and not current_status = any (internal.final_values('CampaignStatus')) then 'cancelled'
    end;
$$;
revoke all on function internal.campaign_transition(text, text) from public;
