-- Locks the lock rows of these message ids of one session (creating the missing ones), in id order
-- so that concurrent callers cannot deadlock (callers locking several sessions take them in session
-- order). Held until the transaction ends. The caller's next statement takes a snapshot after the
-- locks are granted, so it sees what the previous holder committed. Row locks: no slot of the
-- shared lock table per id, whatever the batch size. Keyed by (session, message id), like the
-- message ids themselves (unique per session; on Citus, the session's shard).
-- PL/pgSQL, not SQL: called once per request (never inlined, for its SET clause), a SQL function
-- is planned again on every call; PL/pgSQL keeps the plan for the connection.
create or replace function internal.lock_message_ids(session text, ids text[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
begin
  insert into wa_data.message_id_locks (session_id, message_id)
  select distinct session, id from unnest(ids) id where id is not null order by 2
  on conflict (session_id, message_id) do update set message_id = excluded.message_id;
end
$$;
revoke all on function internal.lock_message_ids(text, text[]) from public;
