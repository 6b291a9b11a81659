-- POST /rpc/create_campaign: a campaign and one pending row per target group, in one call. With an
-- Idempotency-Key header, a repeat of the call (same key, same body) answers the first campaign
-- instead of creating another (internal.idempotency_replay; COALESCE runs the work only when there
-- is nothing to replay).
create or replace function api.create_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return coalesce(internal.idempotency_replay('create_campaign', $1),
                  internal.idempotency_keep(internal.create_campaign($1)));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.create_campaign(jsonb) from public;
grant execute on function api.create_campaign(jsonb) to crm;
comment on function api.create_campaign(jsonb) is
  'CRM: create a campaign for a list of group JIDs (active, sendable groups of one session). Idempotency-Key honoured.';
