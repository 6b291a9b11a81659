-- PostgREST's db-pre-request hook: maps the x-api-key header to its role for this request, and
-- answers 401/403 with a stable code before PostgREST would (it would say 401 for any refusal,
-- because it only knows the role it switched to, not the one we switch to here).
-- A harmless guest: in a host project (Supabase) it runs for every request of the host's own API
-- too. Requests for any schema but api pass through untouched, whatever their role or headers.
-- Executable by PUBLIC, as are the helpers it calls: it runs as whatever role the host's
-- PostgREST switched to, and it reads nothing a caller could not know.
-- No SET clause on purpose: it would undo the SET LOCAL ROLE at function exit.
create or replace function internal.pre_request() returns void
language plpgsql volatile
as $$
declare
  api_key text := nullif(current_setting('request.headers', true), '')::json ->> 'x-api-key';
  path text := internal.url_path(coalesce(current_setting('request.path', true), ''));
  method text := coalesce(current_setting('request.method', true), 'GET');
  caller name := current_user;
  target regclass;
begin
  -- PostgREST sets search_path to the schema the request is for (Accept-Profile /
  -- Content-Profile, else its first exposed schema) before it calls this hook. Read as written:
  -- current_schemas() would leave out a schema the caller may not use (anon, on api).
  if btrim(split_part(current_setting('search_path'), ',', 1), ' "') is distinct from 'api' or path = '/' then
    return;  -- not ours; and the OpenAPI document describes the API to anyone
  end if;
  if api_key is not null then
    caller := internal.api_key_role(api_key);
    if caller is null then
      perform internal.raise_api_error(401, 'invalid_api_key', 'The API key is unknown or revoked.', null,
        internal.credentials_hint(path));
    end if;
    execute format('set local role %I', caller);
    perform set_config('statement_timeout', coalesce(internal.role_statement_timeout(caller), '0'), true);
  elsif caller = 'anon' then
    perform internal.raise_api_error(401, 'missing_credentials',
      'Send an API key in the x-api-key header (or a JWT in Authorization: Bearer).', null,
      internal.credentials_hint(path));
  end if;

  -- The grants decide; this only reads them so that a refusal is a clear 403 (PostgREST would
  -- answer 401 to an API-key caller, whom it takes for anonymous), and an unknown endpoint a
  -- coded 404 that names no schema.
  if path ~ '^/rpc/[A-Za-z_][A-Za-z0-9_]*$' then
    if exists (select from pg_proc p where p.pronamespace = 'api'::regnamespace
                                       and p.proname = substr(path, 6))
       and not exists (select from pg_proc p where p.pronamespace = 'api'::regnamespace
                         and p.proname = substr(path, 6) and has_function_privilege(caller, p.oid, 'execute')) then
      perform internal.raise_api_error(403, 'forbidden',
        format('The %s role may not call %s.', caller, path));
    end if;
    -- What is served as a document rather than JSON (api."*/*", the metrics) is read with GET only.
    if method <> 'GET' and exists (select from pg_proc p where p.pronamespace = 'api'::regnamespace
                                     and p.proname = substr(path, 6) and p.prorettype = 'api."*/*"'::regtype) then
      perform internal.raise_api_error(405, 'method_not_allowed', format('%s is read with GET.', path));
    end if;
  elsif path ~ '^/[^/]+$' then
    target := to_regclass(format('api.%I', substr(path, 2)));
    if target is null then
      perform internal.raise_api_error(404, 'not_found', format('There is no endpoint %s.', path), null,
        'GET / lists the endpoints.');
    end if;
    if not has_table_privilege(caller, target, case method
         when 'POST' then 'insert' when 'PUT' then 'insert' when 'PATCH' then 'update'
         when 'DELETE' then 'delete' else 'select' end) then
      perform internal.raise_api_error(403, 'forbidden',
        format('The %s role may not %s %s.', caller, method, path));
    end if;
  end if;
end
$$;
revoke all on function internal.pre_request() from public;
grant execute on function internal.pre_request() to public;
