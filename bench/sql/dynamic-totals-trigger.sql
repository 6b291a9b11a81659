-- Benchmark only: the totals trigger as it was before it became static SQL (one dynamic
-- EXECUTE format(...) per statement), to compare with internal.tg_campaign_groups__totals in the
-- same run (bench/scenarios/totals-trigger.ts). Disabled until the scenario enables it.
create or replace function internal.bench_totals_dynamic()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- Transition tables exist only for their event, so the row source is chosen per event.
  changed_rows text := case tg_op
    when 'INSERT' then 'select campaign_id, status, 1 as n from new_rows'
    when 'DELETE' then 'select campaign_id, status, -1 as n from old_rows'
    else 'select campaign_id, status, 1 as n from new_rows
          union all select campaign_id, status, -1 from old_rows'
  end;
begin
  execute format($sql$
    with changes as (%s),
    delta as (
      select campaign_id,
             sum(n)::integer as total,
             coalesce(sum(n) filter (where status = 'pending'), 0)::integer as pending,
             coalesce(sum(n) filter (where status = 'sent'), 0)::integer as sent,
             coalesce(sum(n) filter (where status = 'failed'), 0)::integer as failed
      from changes
      group by campaign_id
    ),
    -- Lock the campaigns in id order, so concurrent statements cannot deadlock on them.
    locked as (
      select c.id from wa_data.notification_campaigns c
      where c.id in (select campaign_id from delta where (total, pending, sent, failed) <> (0, 0, 0, 0))
      order by c.id
      for no key update
    )
    update wa_data.notification_campaigns c
    set total_groups  = c.total_groups + d.total,
        pending_count = c.pending_count + d.pending,
        sent_count    = c.sent_count + d.sent,
        failed_count  = c.failed_count + d.failed,
        status = internal.campaign_status(c.status, c.pending_count + d.pending,
                                          c.sent_count + d.sent, c.failed_count + d.failed, c.cancelled_count),
        updated_at = now()
    from delta d
    where d.campaign_id = c.id and c.id in (select id from locked)
  $sql$, changed_rows);
  return null;
end
$$;
-- The formatter's parser takes one transition table, not two: left as written.
/* sql-parser-cst-disable */
create or replace trigger bench_totals_dynamic_update
  after update on wa_data.notification_campaign_groups
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.bench_totals_dynamic();
/* sql-parser-cst-enable */
alter table wa_data.notification_campaign_groups disable trigger bench_totals_dynamic_update;
