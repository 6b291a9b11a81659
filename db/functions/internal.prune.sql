-- Applies internal.retention_policy as of `at`: deletes what each horizon says, oldest first, in
-- one transaction. Never a campaign that has not finished (finished_at is set only by a final
-- status), and a finished campaign goes with all its rows, so no total is ever left unequal to
-- its rows. Returns what was deleted, per kind.
create or replace function internal.prune(at timestamptz default now()) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  keep jsonb := (select jsonb_object_agg(kind, extract(epoch from p.keep)) from internal.retention_policy p);
  n jsonb := '{}'::jsonb;
  c bigint;
begin
  delete from wa_data.message_error_inbox i
  where i.received_at < at - make_interval(secs => (keep ->> 'inbox_settled')::double precision)
    and (i.outcome in ('applied', 'duplicate') or i.matched_at is not null);
  get diagnostics c = row_count; n := n || jsonb_build_object('inbox_settled', c);

  delete from wa_data.message_error_inbox i
  where i.expired_at < at - make_interval(secs => (keep ->> 'inbox_expired')::double precision);
  get diagnostics c = row_count; n := n || jsonb_build_object('inbox_expired', c);

  delete from wa_data.message_error_quarantine q
  where q.resolved_at < at - make_interval(secs => (keep ->> 'quarantine_resolved')::double precision);
  get diagnostics c = row_count; n := n || jsonb_build_object('quarantine_resolved', c);

  delete from wa_data.message_error_quarantine q
  where q.resolved_at is null and q.received_at < at - make_interval(secs => (keep ->> 'quarantine_unresolved')::double precision);
  get diagnostics c = row_count; n := n || jsonb_build_object('quarantine_unresolved', c);

  delete from wa_data.message_status_inbox s
  where s.updated_at < at - make_interval(secs => (keep ->> 'status_inbox')::double precision);
  get diagnostics c = row_count; n := n || jsonb_build_object('status_inbox', c);

  delete from wa_data.notification_campaigns k
  where k.finished_at < at - make_interval(secs => (keep ->> 'finished_campaigns')::double precision)
    and k.status in ('completed', 'failed', 'partial_failure', 'cancelled');
  get diagnostics c = row_count; n := n || jsonb_build_object('finished_campaigns', c);
  return n;
end
$$;
revoke all on function internal.prune(timestamptz) from public;

-- Scheduled where pg_cron is installed (Supabase has it; Debian packages it): daily at 03:17.
-- Re-applied on every migrate; cron.schedule with a job name replaces the job.
do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform cron.schedule('wa-campaigns-prune', '17 3 * * *', 'select internal.prune()');
  end if;
end
$$;
