-- POST /rpc/{{name}} ({{role}}): TODO(new:rpc) what the caller gets, and the rule that matters.
create or replace function api.{{name}}(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  payload constant jsonb := $1;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object.');
  end if;
  -- TODO(new:rpc): validate everything first (a refused call changes nothing; codes from
  -- docs/errors.md), lock in the one order (docs/design.md, "Locks"), then one set-based statement
  -- (CONVENTIONS.md, "Functions"){{like_hint}}.
  return jsonb_build_object('ok', true);
end
$$;
revoke all on function api.{{name}}(jsonb) from public;
grant execute on function api.{{name}}(jsonb) to {{role}};
comment on function api.{{name}}(jsonb) is
  '{{Role}}: TODO(new:rpc) one line an API user sees in the OpenAPI document.';
