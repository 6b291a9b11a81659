-- GET / (db-root-spec = openapi): the OpenAPI 3.1 document of this API, generated from db/contracts,
-- docs/errors.md and the catalog by `npm run regen` (db/contracts/openapi.generated.json) and
-- loaded by migrate. Through a host's API, where GET / is the host's: GET /rpc/openapi.
create or replace function api.openapi()
returns json
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select internal.openapi_document();
$$;
revoke all on function api.openapi() from public;
-- The document describes the API to anyone, as PostgREST's own would.
grant execute on function api.openapi() to public;
comment on function api.openapi is 'The OpenAPI document of this API (GET /).';
