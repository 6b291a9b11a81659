-- Benchmark only (never part of the migrations): the role the original edge-function flow used,
-- with direct table access, as a Supabase service client would have. Loaded into the bench's
-- throwaway database by bench/run.ts.
do $$ begin
  if not exists (select from pg_roles where rolname = 'bench_baseline') then
    create role bench_baseline nologin;
  end if;
end $$;
grant bench_baseline to authenticator;
grant usage on schema wa_data to bench_baseline;
grant select, insert, update, delete
on wa_data.whatsapp_groups, wa_data.notification_campaigns, wa_data.notification_campaign_groups
to bench_baseline;
create policy bench_baseline_all on wa_data.whatsapp_groups
for all
to bench_baseline
using (true)
with check (true);
create policy bench_baseline_all on wa_data.notification_campaigns
for all
to bench_baseline
using (true)
with check (true);
create policy bench_baseline_all on wa_data.notification_campaign_groups
for all
to bench_baseline
using (true)
with check (true);
-- Writing the tables directly means running the checked values' domain checks as this role.
grant execute on function internal.conforms(text, text), internal.value_rules() to bench_baseline;
