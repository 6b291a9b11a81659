-- The final values of a status rule of internal.value_rules() (its x-final: the campaign statuses
-- retention may delete after, the row statuses nothing but a late error leaves). Called with a
-- constant rule name, the planner folds it into the caller's plan: `status = any(internal.final_values('CampaignStatus'))`.
create or replace function internal.final_values(rule text)
returns text[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return array(select jsonb_array_elements_text(internal.value_rules() -> rule -> 'x-final'));
revoke all on function internal.final_values(text) from public;
