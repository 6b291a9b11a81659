-- What the api wrappers of the gateway endpoints answer: the body, with the HTTP status that the
-- work put in "status" set for PostgREST (response.status). (A SET clause restores only the
-- settings it names at function exit: search_path here, never response.status.)
create or replace function internal.with_status(result jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if result ? 'status' then
    perform set_config('response.status', result ->> 'status', true);
  end if;
  return result - 'status';
end
$$;
revoke all on function internal.with_status(jsonb) from public;
grant execute on function internal.with_status(jsonb) to gateway;
