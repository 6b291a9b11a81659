-- A new session gets its dispatch row (wa_data.session_dispatch) with the default pace, so every
-- session has one (api.sessions shows it; the defaults are the columns'). Statement-level, one
-- INSERT per statement however many sessions it adds.
create or replace function internal.tg_whatsapp_sessions__dispatch()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  session text;
begin
  -- The transition table is read alone, then one statement per session: on Citus a statement that
  -- joins it with a distributed table cannot run on the shards ("could not find named tuplestore").
  -- (A sync adds one session; a batch of events, a few.)
  foreach session in array array(select n.session_id::text from new_rows n order by 1) loop
    insert into wa_data.session_dispatch (session_id) values (session)
    on conflict (session_id) do nothing;
  end loop;
  return null;
end
$$;
revoke all on function internal.tg_whatsapp_sessions__dispatch() from public;

-- One DO block: on Citus, DDL on a distributed table must reach it alone (as in the totals trigger).
do $do$
begin
  create or replace trigger tg_whatsapp_sessions__dispatch
    after insert on wa_data.whatsapp_sessions
    referencing new table as new_rows
    for each statement execute function internal.tg_whatsapp_sessions__dispatch();
end
$do$;
