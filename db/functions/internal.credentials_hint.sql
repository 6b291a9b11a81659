-- The hint of a 401 (internal.pre_request) for a request to `path`: Evolution API's global
-- webhook (WEBHOOK_GLOBAL_*) posts without custom headers, so every one of its posts arrives here
-- unauthenticated, and Evolution never retries a 401 (webhook.controller.ts: 400, 401, 403, 404
-- and 422 are not retried). Null for every other path. Executable by PUBLIC, as the hook is.
create or replace function internal.credentials_hint(path text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return case
  when path = '/rpc/evolution_webhook' then 'Evolution API sends custom headers only on per-instance headers: set the webhook with POST /webhook/set/{instance} ' || 'and {"webhook": {"headers": {"x-api-key": "<a gateway key>"}}}; the global webhook sends none (docs/gateway.md).'
end;
revoke all on function internal.credentials_hint(text) from public;
grant execute on function internal.credentials_hint(text) to public;
