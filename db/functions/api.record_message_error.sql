-- POST /rpc/record_message_error: the gateway's asynchronous error ACKs (one, or {"events": [...]}).
create or replace function api.record_message_error(jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.with_status(internal.record_message_error($1));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.record_message_error(jsonb) from public;
grant execute on function api.record_message_error(jsonb) to gateway;
comment on function api.record_message_error(jsonb) is
  'Gateway: record asynchronous message errors (error ACKs). Every ACK is kept; unknown message ids answer 200 (pending_match).';
