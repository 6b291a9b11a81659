-- Ops: a large call re-plans its statements with the sizes of the moment (internal.plan_for_batch),
-- a small one keeps the connection's cached plans, and the setting ends with the call. A trigger
-- made for this test (rolled back) records the plan mode in force while each RPC writes its rows.
begin;
select plan(13);

create temporary table seen_modes (tbl text, mode text);
create function pg_temp.note_mode()
returns trigger
language plpgsql
as $$
begin
  insert into seen_modes values (tg_table_name, current_setting('plan_cache_mode'));
  return null;
end $$;
create trigger tg_test_note_mode after insert or update on wa_data.whatsapp_groups
  for each statement execute function pg_temp.note_mode();
create trigger tg_test_note_mode after insert or update on wa_data.notification_campaign_groups
  for each statement execute function pg_temp.note_mode();
create trigger tg_test_note_mode after insert on wa_data.notification_campaigns
  for each statement execute function pg_temp.note_mode();
create trigger tg_test_note_mode after insert on wa_data.message_error_inbox
  for each statement execute function pg_temp.note_mode();
set plan_cache_mode = auto;

-- Small calls: the cached (generic) plans.
select tests.make_campaign('plan_small', 5) as small \gset
select from tests.mark_sent(:small, 1, 5, 'SMALL');
select is((select array_agg(distinct mode) from seen_modes), array['force_generic_plan'],
  'small calls (sync, campaign, sends) run on the cached generic plans');
truncate seen_modes;

-- A sync of 1,001 groups, a campaign of them, their sends and an ACK batch: each past a small call.
select is(api.sync_groups(jsonb_build_object('sessionId', 'plan_large', 'groups',
  (select jsonb_agg(jsonb_build_object('id', tests.jid(i), 'subject', 'g')) from generate_series(1, 1001) i))) ->> 'inserted',
  '1001', '1,001 groups synced');
select is((select array_agg(distinct mode) from seen_modes where tbl = 'whatsapp_groups'), array['force_custom_plan'],
  'a sync of 1,001 groups plans its statements with their sizes');
truncate seen_modes;
select (api.create_campaign(jsonb_build_object('name', 'large', 'message', 'hi', 'sessionId', 'plan_large',
  'groupJids', (select jsonb_agg(tests.jid(i)) from generate_series(1, 1001) i))) ->> 'campaignId')::bigint as large \gset
select is((select array_agg(distinct mode) from seen_modes where tbl = 'notification_campaigns'), array['force_custom_plan'],
  'a campaign of 1,001 groups too');
select is((select array_agg(distinct mode) from seen_modes where tbl = 'notification_campaign_groups'), array['force_generic_plan'],
  '… but its rows are inserted in the cached mode (their foreign-key checks run per row: never re-planned per row)');
truncate seen_modes;
select is((tests.mark_sent(:large, 1, 1001, 'LARGE') ->> 'sent')::int, 1001, '1,001 sends recorded');
select is((select array_agg(distinct mode) from seen_modes), array['force_custom_plan'],
  'a record of 1,001 sends too');
truncate seen_modes;
select is(current_setting('plan_cache_mode'), 'auto', 'the setting ended with each call');

-- A batch of 100 ACKs keeps the cached plans; one of 101 plans with its sizes.
select is(api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('event', 'message_error', 'sessionId', 'plan_large', 'messageId', 'NOPE' || i, 'errorCode', 420))
   from generate_series(1, 100) i))) #>> '{counts,pending_match}', '100', 'a batch of 100 early ACKs is kept');
select is((select array_agg(distinct mode) from seen_modes), array['force_generic_plan'],
  'a batch of 100 ACKs runs on the cached plans (a small call)');
truncate seen_modes;
select is(api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('event', 'message_error', 'sessionId', 'plan_large', 'messageId', 'MORE' || i, 'errorCode', 420))
   from generate_series(1, 101) i))) #>> '{counts,pending_match}', '101', 'a batch of 101 early ACKs is kept');
select is((select array_agg(distinct mode) from seen_modes), array['force_custom_plan'],
  'a batch of 101 ACKs plans with its sizes');

-- The switch itself: above 100 elements only, and never past its caller's SET clause.
select is((select internal.plan_for_batch(100)::text || current_setting('plan_cache_mode')), 'auto',
  '100 elements change nothing');

select * from finish();
rollback;
