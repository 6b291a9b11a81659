-- POST /rpc/record_message_status: the gateway's delivery progress (one event, or {"events": [...]}).
-- SECURITY INVOKER and no SET clause, so the response status set here reaches PostgREST.
create or replace function api.record_message_status(jsonb) returns jsonb
language plpgsql volatile
as $$
declare
  result jsonb := internal.record_message_status($1);
begin
  if result ? 'status' then
    perform set_config('response.status', result ->> 'status', true);
  end if;
  return result - 'status';
end
$$;
revoke all on function api.record_message_status(jsonb) from public;
grant execute on function api.record_message_status(jsonb) to gateway;
comment on function api.record_message_status(jsonb) is
  'Gateway: record delivery progress (delivered, read). Earliest times win; unknown message ids are kept until their send is recorded.';
