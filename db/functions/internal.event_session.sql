-- The session a gateway event acts on: the one it names, else the key's when the key is bound to
-- exactly one. Anything else cannot be routed (an event's session decides where its rows live,
-- on one server as on Citus: docs/citus.md) and gets the problem session_required: the event is
-- quarantined, never kept unattributed. Known before any lock: nothing is looked up.
-- No SET clause: it inlines into its callers' one parse.
create or replace function internal.event_session(given text, scope text[])
returns table (session_id text, problem_code text, problem text)
language sql
immutable
parallel safe
as $$
  select
    s,
    case
      when s is null then 'session_required'
    end,
    case
      when s is null then case
        when scope is null then 'the event names no sessionId: name the session it was sent from'
        else 'the event names no sessionId and this key acts on several sessions: name the session it was sent from'
      end
    end
  from
    (
      select
        coalesce(
          given,
          case
            when cardinality(scope) = 1 then scope[1]
          end
        ) as s
      offset 0
    ) x;
$$;
revoke all on function internal.event_session(text, text[]) from public;
