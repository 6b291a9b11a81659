-- migrate:up

-- The OpenAPI document is data, not code: `npm run gen:types` writes it to
-- db/contracts/openapi.generated.json, migrate loads it into this row, and api.openapi() returns
-- it (before, a 4,600-line SQL literal in a generated function, dumped again in db/schema.sql).
-- Read only through internal.openapi_document() (SECURITY DEFINER): no role reads the table.
create table internal.api_documents (
  name      text primary key,
  body      json not null,
  loaded_at timestamptz not null default now()
);
comment on table internal.api_documents is
  'Documents the API serves (the OpenAPI document), loaded by migrate from db/contracts/*.generated.json.';
alter table internal.api_documents enable row level security;
revoke all on internal.api_documents from public, gateway, crm, ops;

-- migrate:down
drop table internal.api_documents;
