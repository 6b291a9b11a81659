-- PostgREST's db-pre-request hook: maps the x-api-key header to its role for this request, and
-- answers 401/403 with a stable code before PostgREST would (it would say 401 for any refusal,
-- because it only knows the role it switched to, not the one we switch to here).
-- A harmless guest: in a host project (Supabase) it runs for every request of the host's own API
-- too. Requests for any schema but api pass through untouched, whatever their role or headers.
-- Executable by PUBLIC, as are the helpers it calls: it runs as whatever role the host's
-- PostgREST switched to, and it reads nothing a caller could not know.
-- A host's own hook may call it (docs/deployment.md, "If the project already has a hook"), also
-- one written as Supabase recommends, with `set search_path = ''`: the role set here survives that
-- hook's exit (its SET clause restores search_path only), and the request's schema is read from
-- its profile header before the search_path, which such a hook empties.
-- No SET clause, the one function of ours that must inherit the caller's search_path: PostgREST
-- tells the hook which schema a request without a profile header is for by setting search_path
-- to it (docs/design.md, "Security Advisor"). It is SECURITY INVOKER and names everything
-- schema-qualified, so a search_path can change nothing but the schema it reads.
create or replace function internal.pre_request()
returns void
language plpgsql
volatile
as $$
declare
  headers constant json := nullif(current_setting('request.headers', true), '')::json;
  api_key text := headers ->> 'x-api-key';
  path text := internal.url_path(coalesce(current_setting('request.path', true), ''));
  method text := coalesce(current_setting('request.method', true), 'GET');
  -- The schema the request is for: its profile header (Accept-Profile for reads, Content-Profile
  -- for writes: PostgREST has refused it already unless that schema is exposed), else the one
  -- PostgREST put first in search_path (its first exposed schema). Read as written:
  -- current_schemas() would leave out a schema the caller may not use (anon, on api).
  target_schema constant text := coalesce(
    nullif(headers ->> case when method in ('GET', 'HEAD') then 'accept-profile' else 'content-profile' end, ''),
    btrim(split_part(current_setting('search_path'), ',', 1), ' "'));
  caller name := current_user;
  key record;
  target regclass;
  role_timeout text;
  rpc record;
begin
  if target_schema is distinct from 'api' or path in ('/', '/rpc/openapi') then
    return;  -- not ours; and the OpenAPI document describes the API to anyone
  end if;
  if api_key is not null then
    key := internal.api_key(api_key);
    if key.role is null then
      perform internal.raise_api_error(401, 'invalid_api_key', 'The API key is unknown or revoked.', null,
        internal.credentials_hint(path));
    end if;
    caller := key.role;
    perform set_config('role', caller, true);  -- SET LOCAL ROLE, without a dynamic statement
    -- Which key is calling (internal.api_key_id, internal.caller): what it makes is its own; and
    -- the sessions it may act on (internal.session_scope; empty: every session).
    perform set_config('wa.api_key_id', key.id::text, true);
    perform set_config('wa.api_key_sessions', coalesce(key.sessions::text, ''), true);
    perform set_config('statement_timeout', coalesce(internal.role_statement_timeout(caller), '0'), true);
  elsif caller = 'anon' then
    perform internal.raise_api_error(401, 'missing_credentials',
      'Send an API key in the x-api-key header (or a JWT in Authorization: Bearer).', null,
      internal.credentials_hint(path));
  else
    -- A JWT's role: SET ROLE applies none of its settings, nor does PostgREST (db-config = false,
    -- deploy/postgrest.conf): its statement_timeout, when it has one, as for a key.
    role_timeout := internal.role_statement_timeout(caller);
    if role_timeout is not null then
      perform set_config('statement_timeout', role_timeout, true);
    end if;
  end if;

  -- The grants decide; this only reads them so that a refusal is a clear 403 (PostgREST would
  -- answer 401 to an API-key caller, whom it takes for anonymous), and an unknown endpoint a
  -- coded 404 that names no schema.
  if path ~ '^/rpc/[A-Za-z_][A-Za-z0-9_]*$' then
    -- One look at the function's rows (overloads included): may the caller execute one, and is it
    -- served as a document (api."*/*", the metrics: read with GET only)?
    select count(*) > 0 as known, bool_or(has_function_privilege(caller, p.oid, 'execute')) as allowed,
           bool_or(p.prorettype = 'api."*/*"'::regtype) as document
      into rpc
    from pg_proc p where p.pronamespace = 'api'::regnamespace and p.proname = substr(path, 6);
    if rpc.known and not rpc.allowed then
      perform internal.raise_api_error(403, 'forbidden',
        format('The %s role may not call %s.', caller, path));
    end if;
    if method <> 'GET' and rpc.document then
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
