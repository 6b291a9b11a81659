-- POST /rpc/create_campaign: a campaign and one pending row per target group, in one call. With an
-- Idempotency-Key header, a repeat of the call (same key, same body) answers the first campaign
-- instead of creating another (internal.idempotency_replay; COALESCE runs the work only when there
-- is nothing to replay).
create or replace function api.create_campaign(jsonb)
returns jsonb
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(internal.idempotency_replay('create_campaign', $1),
                  internal.idempotency_keep(internal.create_campaign($1)))
$$;
revoke all on function api.create_campaign(jsonb) from public;
grant execute on function api.create_campaign(jsonb) to crm;
comment on function api.create_campaign(jsonb) is
  'CRM: create a campaign for a list of group JIDs (active, sendable groups of one session). Idempotency-Key honoured.';
