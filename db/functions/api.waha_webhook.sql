-- POST /rpc/waha_webhook: WAHA points its webhook here (customHeaders: x-api-key, a gateway key;
-- optionally hmac.key). The parameter is json, not jsonb: json keeps the body's text as sent,
-- which the HMAC is computed over.
create or replace function api.waha_webhook(json)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.with_status(internal.waha_webhook($1::text, $1::jsonb,
    nullif(current_setting('request.headers', true), '')::json ->> 'x-webhook-hmac'));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.waha_webhook(json) from public;
grant execute on function api.waha_webhook(json) to gateway;
comment on function api.waha_webhook(json) is
  'Gateway: WAHA webhook (message.ack; other events answer ignored). Checks X-Webhook-Hmac when a WAHA key is set.';
