-- Benchmark only: the same totals bookkeeping as internal.tg_campaign_groups__totals, written as
-- a FOR EACH ROW trigger (one campaign update per inserted row), to compare with the
-- statement-level version on campaign creation.
create or replace function internal.bench_row_totals()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  update wa_data.notification_campaigns c
  set total_groups = c.total_groups + 1,
      pending_count = c.pending_count + (new.status = 'pending')::int,
      sent_count = c.sent_count + (new.status = 'sent')::int,
      failed_count = c.failed_count + (new.status = 'failed')::int,
      status = internal.campaign_status(c.status, c.pending_count + (new.status = 'pending')::int,
        c.sent_count + (new.status = 'sent')::int, c.failed_count + (new.status = 'failed')::int, c.cancelled_count),
      updated_at = now()
  where c.id = new.campaign_id;
  return null;
end
$$;
create or replace trigger bench_row_totals
after insert on wa_data.notification_campaign_groups
for each row
execute function internal.bench_row_totals();
alter table wa_data.notification_campaign_groups disable trigger bench_row_totals;
