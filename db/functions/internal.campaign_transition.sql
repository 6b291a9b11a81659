-- The transitions the CRM may ask for, as one pure function: the status an action leads to from
-- the current one, or null when it makes no sense (answered 409 invalid_transition).
create or replace function internal.campaign_transition(current_status text, action text) returns text
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
return case
  when action = 'schedule' and current_status = 'draft' then 'scheduled'
  when action = 'unschedule' and current_status = 'scheduled' then 'draft'
  when action = 'cancel' and current_status in ('draft', 'scheduled', 'sending') then 'cancelled'
end;
revoke all on function internal.campaign_transition(text, text) from public;
