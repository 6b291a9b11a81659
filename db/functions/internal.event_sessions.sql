-- The sessions a gateway event body names: the sessionId of each event of {"events": [...]}, or
-- of the one event (blank ones count as none). For the scope check that every gateway event
-- path makes before anything else (internal.refuse_out_of_scope).
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.event_sessions(payload jsonb)
returns text[]
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return array(
    select distinct nullif(e ->> 'sessionId', '')
    from jsonb_array_elements(case when jsonb_typeof(payload -> 'events') = 'array' then payload -> 'events'
                                   when jsonb_typeof(payload) = 'object' then jsonb_build_array(payload)
                                   else '[]'::jsonb end) e
    where jsonb_typeof(e) = 'object' and jsonb_typeof(e -> 'sessionId') = 'string');
end
$$;
revoke all on function internal.event_sessions(jsonb) from public;
