-- POST /rpc/record_message_status: the gateway's delivery progress (one event, or {"events": [...]}).
create or replace function api.record_message_status(jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.with_status(internal.record_message_status($1));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.record_message_status(jsonb) from public;
grant execute on function api.record_message_status(jsonb) to gateway;
comment on function api.record_message_status(jsonb) is
  'Gateway: record delivery progress (delivered, read). Earliest times win; unknown message ids are kept until their send is recorded.';
