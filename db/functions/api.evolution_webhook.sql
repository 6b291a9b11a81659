-- POST /rpc/evolution_webhook: Evolution API points its webhook here (header x-api-key: a gateway
-- key, set in webhook.headers). SECURITY INVOKER and no SET clause: the status set here reaches PostgREST.
create or replace function api.evolution_webhook(jsonb) returns jsonb
language plpgsql volatile
as $$
declare
  result jsonb := internal.evolution_webhook($1);
begin
  if result ? 'status' then
    perform set_config('response.status', result ->> 'status', true);
  end if;
  return result - 'status';
end
$$;
revoke all on function api.evolution_webhook(jsonb) from public;
grant execute on function api.evolution_webhook(jsonb) to gateway;
comment on function api.evolution_webhook(jsonb) is
  'Gateway: Evolution API webhook (messages.update, groups.upsert, groups.update; other events answer ignored).';
