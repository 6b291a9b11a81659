-- Large calls are planned with their own sizes; small ones keep the connection's cached plans.
--
-- Our functions run `plan_cache_mode = force_generic_plan`: each statement is planned once per
-- connection and the plan is kept. A plan is built with the sizes PostgreSQL believes at that
-- moment, and on a young database (or after a 100× change between two autovacuum rounds) those
-- are a handful of rows: a lookup planned as a scan of a one-page table, an `id = any($1)`
-- searched linearly for every row of the session. Harmless for a small call; for the largest
-- legal calls (100,000 groups, 10,000 sends) it is rows × elements, minutes instead of seconds,
-- and it stays until the next ANALYZE of that table (issue 36, bench: `npm run bench --
-- --largest`). A call whose batch holds more elements than a small call's re-plans its statements
-- with the sizes of this moment (PostgreSQL reads a table's current size in pages when it plans)
-- and with its arrays' real lengths: planning costs a few milliseconds, small beside the work of
-- a large call, and the plan can no longer be one built for an empty table. The setting lasts
-- until the caller returns: it names plan_cache_mode in its own SET clause, which restores it.
create or replace function internal.plan_for_batch(elements integer)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  -- Above a small call's size (a single ACK, a batch of 100 keep their cached plans: their worst
  -- generic plan is bounded by this many elements × the session's rows). A batch of 1,000 ACKs on
  -- a young database's cached plans took 6 s alone and 30 s beside four large send records (bench
  -- section 10, "young"): it plans with its own sizes too.
  if elements > 100 then
    perform set_config('plan_cache_mode', 'force_custom_plan', true);
  end if;
end
$$;
revoke all on function internal.plan_for_batch(integer) from public;
