-- POST /rpc/record_message_error: the gateway's asynchronous error ACKs (one, or {"events": [...]}).
-- SECURITY INVOKER and no SET clause, so the response status set here reaches PostgREST.
create or replace function api.record_message_error(jsonb) returns jsonb
language plpgsql volatile
as $$
declare
  result jsonb := internal.record_message_error($1);
begin
  if result ? 'status' then
    perform set_config('response.status', result ->> 'status', true);
  end if;
  return result - 'status';
end
$$;
revoke all on function api.record_message_error(jsonb) from public;
grant execute on function api.record_message_error(jsonb) to gateway;
comment on function api.record_message_error(jsonb) is
  'Gateway: record asynchronous message errors (error ACKs). Every ACK is kept; unknown message ids answer 200 (pending_match).';
