-- The OpenAPI document migrate loaded (db/contracts/openapi.generated.json), for api.openapi().
-- SECURITY DEFINER so that no role needs to read the table; executable by PUBLIC like the document
-- itself (GET / describes the API to anyone), outside the exposed schema.
create or replace function internal.openapi_document()
returns json
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select d.body from internal.api_documents d where d.name = 'openapi';
$$;
revoke all on function internal.openapi_document() from public;
grant execute on function internal.openapi_document() to public;
