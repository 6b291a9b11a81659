-- POST /rpc/evolution_webhook: Evolution API points its webhook here (header x-api-key: a gateway
-- key, set in webhook.headers).
create or replace function api.evolution_webhook(jsonb)
returns jsonb
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.with_status(internal.evolution_webhook($1))
$$;
revoke all on function api.evolution_webhook(jsonb) from public;
grant execute on function api.evolution_webhook(jsonb) to gateway;
comment on function api.evolution_webhook(jsonb) is
  'Gateway: Evolution API webhook (messages.update, groups.upsert, groups.update; other events answer ignored).';
