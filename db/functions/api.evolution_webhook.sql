-- POST /rpc/evolution_webhook: Evolution API points its webhook here (header x-api-key: a gateway
-- key, set in webhook.headers).
create or replace function api.evolution_webhook(jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.with_status(internal.evolution_webhook($1));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.evolution_webhook(jsonb) from public;
grant execute on function api.evolution_webhook(jsonb) to gateway;
comment on function api.evolution_webhook(jsonb) is
  'Gateway: Evolution API webhook (messages.update, groups.upsert, groups.update; other events answer ignored).';
