-- The API key making this request (set by internal.pre_request), or null (a JWT, or SQL): what
-- every stored event, campaign, sync and restriction flag records as its author.
create or replace function internal.api_key_id() returns bigint
language sql stable parallel safe
set search_path = pg_catalog, pg_temp
return nullif(current_setting('wa.api_key_id', true), '')::bigint;
revoke all on function internal.api_key_id() from public;
