-- migrate:up

-- Retention is scheduled only when the operator asks (npm run db:prune -- --schedule '<cron>'):
-- migrate no longer puts the pg_cron job back on every run, undoing a host that removed or
-- re-timed it. A job an earlier version scheduled stays as the host left it (its time too); only
-- its command follows internal.prune, which became a procedure (20261130100000).
do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform cron.alter_job(j.jobid, command => 'call internal.prune()')
    from cron.job j
    where j.jobname = 'wa-campaigns-prune' and j.command = 'select internal.prune()';
  end if;
end
$$;

-- migrate:down
select 1;
