-- POST /rpc/retry_failed_groups (crm): {"campaignId", "errorCodes"?: [420, ...], "name"?}. A new
-- draft campaign over the campaign's failed groups that can still be targeted
-- (internal.retry_failed_groups). With an Idempotency-Key header, a repeat answers the first retry
-- campaign instead of creating another.
create or replace function api.retry_failed_groups(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return coalesce(internal.idempotency_replay('retry_failed_groups', $1),
                  internal.idempotency_keep(internal.retry_failed_groups($1)));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.retry_failed_groups(jsonb) from public;
grant execute on function api.retry_failed_groups(jsonb) to crm;
comment on function api.retry_failed_groups(jsonb) is
  'CRM: a new draft campaign over a campaign''s failed groups (optionally only some error codes) that can still be targeted. Idempotency-Key honoured.';
