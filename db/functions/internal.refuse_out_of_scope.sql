-- The refusal every gateway path answers for a session its key may not act on: 403
-- session_not_allowed, with its HTTP status in "status" (the body is not stored: it is not this
-- key's to send). Null when `sessions` are all within `scope` (or scope is null: unscoped).
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.refuse_out_of_scope(scope text[], sessions text[])
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select jsonb_build_object('status', 403, 'code', 'session_not_allowed',
                                    'message', format('This API key may not act on session %s.', s),
                                    'details', null,
                                    'hint', 'The key is bound to other sessions: npm run api-key -- list shows its sessions.')
          from unnest(sessions) s
          where scope is not null and s is not null and not (s = any(scope))
          limit 1);
end
$$;
revoke all on function internal.refuse_out_of_scope(text[], text[]) from public;
