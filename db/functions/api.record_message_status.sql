-- POST /rpc/record_message_status: the gateway's delivery progress (one event, or {"events": [...]}).
create or replace function api.record_message_status(jsonb)
returns jsonb
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select internal.with_status(internal.record_message_status($1))
$$;
revoke all on function api.record_message_status(jsonb) from public;
grant execute on function api.record_message_status(jsonb) to gateway;
comment on function api.record_message_status(jsonb) is
  'Gateway: record delivery progress (delivered, read). Earliest times win; unknown message ids are kept until their send is recorded.';
