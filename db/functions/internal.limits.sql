-- The one place every size limit is written. `npm run gen:types` copies them into
-- db/contracts/values.generated.json (maxItems of the contracts, the OpenAPI document) and into the
-- client (clients/ts/src/values.generated.ts, LIMITS); deploy/postgrest.conf's db-max-rows is compared
-- with rowsPerRead by a test.
create or replace function internal.limits()
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return '{
  "ackEventsPerCall": 1000,
  "sendsPerCall": 10000,
  "groupsPerSync": 100000,
  "groupsPerCampaign": 100000,
  "rowsPerRead": 1000,
  "rawEventBytes": 8192,
  "claimsPerCall": 500,
  "claimAheadSeconds": 60
}'::jsonb;
revoke all on function internal.limits() from public;

-- One limit by name; with a constant name the planner folds it to a constant.
create or replace function internal.limit(name text)
returns integer
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return (internal.limits() ->> name)::integer;
revoke all on function internal.limit(text) from public;

-- How a checked value of internal.value_rules() reads in an error message: its x-describe, or
-- "a (non-empty) string of at most N characters" from its facets.
create or replace function internal.describe_value(rule text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return coalesce(
  internal.value_rules() -> rule ->> 'x-describe',
  case
    when (internal.value_rules() -> rule ->> 'minLength')::integer >= 1 then 'a non-empty string'
    else 'a string'
  end || coalesce(' of at most ' || (internal.value_rules() -> rule ->> 'maxLength') || ' characters', '')
);
revoke all on function internal.describe_value(text) from public;
