-- Applies internal.retention_policy as of `at` (null: now), in bounded steps
-- (internal.prune_step), each committed on its own: a long run never holds what it deleted first
-- until the end, and a failure loses one step, not the day. Campaigns skipped because traffic held
-- their locks are retried after the rest, with a growing pause (up to ten times); what is still in
-- use then waits for the next run. `deleted` says what went, per kind, and how many campaigns
-- were left for the next run ("skipped").
-- A procedure (it commits), called with CALL: `call internal.prune()`, by npm run db:prune or a
-- scheduler the operator sets up (`npm run db:prune -- --schedule '17 3 * * *'` with pg_cron;
-- migrate schedules nothing: docs/operations.md, "Retention"). No SET clause: PostgreSQL forbids transaction control
-- in a routine with one (and in a SECURITY DEFINER one): every name is schema-qualified instead,
-- and it runs as its caller, the database owner or the scheduler's job owner.
create or replace procedure internal.prune(at timestamptz default null, inout deleted jsonb default null)
language plpgsql
as $$
declare
  step jsonb;
  total jsonb := '{}'::jsonb;
  skip bigint[] := '{}'::bigint[];
  retries integer := 0;
  kind text;
begin
  at := coalesce(at, pg_catalog.now());
  loop
    step := internal.prune_step(at, 1000, skip);
    for kind in select pg_catalog.jsonb_object_keys(step) loop
      if pg_catalog.jsonb_typeof(step -> kind) = 'number' then
        total := total || pg_catalog.jsonb_build_object(kind,
          coalesce((total ->> kind)::bigint, 0) + (step ->> kind)::bigint);
      end if;
    end loop;
    skip := skip || array(select pg_catalog.jsonb_array_elements_text(step -> 'skippedCampaigns')::bigint);
    commit;
    continue when (step ->> 'more')::boolean;
    exit when pg_catalog.cardinality(skip) = 0 or retries >= 10;
    -- Everything else is done: try the skipped campaigns again, after a pause.
    retries := retries + 1;
    perform pg_catalog.pg_sleep(0.05 * retries);
    skip := '{}'::bigint[];
  end loop;
  deleted := total || pg_catalog.jsonb_build_object('skipped', pg_catalog.cardinality(skip));
end
$$;
revoke all on procedure internal.prune(timestamptz, jsonb) from public;
