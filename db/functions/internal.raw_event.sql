-- What the inbox and the quarantine keep of a body: all of it up to the rawEventBytes limit, else
-- only the fields we read (plus a note of what was dropped; a webhook body keeps its event and
-- session / instance). A gateway cannot grow storage without bound by padding events with
-- unknown fields.
-- PL/pgSQL, not SQL: its subquery keeps it from being inlined, and PostgreSQL 15 plans a SQL
-- function's body again on every call; for a single ACK that was about 0.25 ms of its 0.7 ms
-- (issue 36; docs/design.md, "Plans that do not depend on statistics").
create or replace function internal.raw_event(ev jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return case
        when octet_length(ev::text) <= internal.limit('rawEventBytes') then ev
        when jsonb_typeof(ev) = 'object' then jsonb_build_object(
          '_truncated',
          true,
          '_bytes',
          octet_length(ev::text)
        ) || (
          select coalesce(jsonb_object_agg(k, v), '{}'::jsonb)
          from jsonb_each(ev) e (k, v)
          where
            k in (
              'event',
              'sessionId',
              'messageId',
              'groupJid',
              'errorCode',
              'errorMessage',
              'status',
              'at',
              'gatewayError',
              'session',
              'instance'
            )
            and octet_length(v::text) <= 4100
        )
        else jsonb_build_object(
          '_truncated',
          true,
          '_bytes',
          octet_length(ev::text),
          '_preview',
          left(ev::text, internal.limit('rawEventBytes'))
        )
      end;
end
$$;
revoke all on function internal.raw_event(jsonb) from public;
