-- The totals invariant (total = pending + sent + failed = the actual row counts) after mixed
-- bulk operations, deletes included; and the trigger's cost does not depend on campaign size.
begin;
select plan(8);

select from tests.make_campaign('wa_a', 2000);
select from tests.make_campaign('wa_b', 300);
create temp table c as select min(id) as big, max(id) as small from notification_campaigns;
grant select on c to public;  -- read while acting as other roles

select from tests.mark_sent((select big from c), 1, 1500);
select from tests.mark_sent((select small from c), 1, 300, 'S');
select from api.record_message_error(jsonb_build_object('events',
  (select jsonb_agg(jsonb_build_object('sessionId', 'wa_a', 'messageId', 'MSG' || i, 'errorCode', 420))
   from generate_series(1, 1500, 3) i)));
-- bulk statements that touch both campaigns at once
update notification_campaign_groups set status = 'failed', error_code = 1, failed_at = now()
where status = 'sent' and (message_id like 'S1%' or message_id like 'MSG2%');
delete from notification_campaign_groups where campaign_id = (select big from c) and group_jid in
  (select tests.jid(i) from generate_series(1990, 2000) i);

select ok(tests.totals_match((select big from c)), 'big campaign: totals equal the row counts');
select ok(tests.totals_match((select small from c)), 'small campaign: totals equal the row counts');
select is((select total_groups from notification_campaigns where id = (select big from c)), 1989, 'deleted rows left the total');
select ok((select total_groups = pending_count + sent_count + failed_count from notification_campaigns where id = (select big from c)),
  'total = pending + sent + failed');

-- Cost per ACK is flat: the trigger reads only the transition rows (no recount over the campaign).
select is(
  (select count(*)::int from pg_trigger where tgrelid = 'wa_data.notification_campaign_groups'::regclass
     and tgname like 'tg_campaign_groups__totals_%' and (tgtype & 1) = 0),
  3, 'three statement-level totals triggers (insert, update, delete)');
-- Measured, not read from the source: changing one row of the 2,000-row campaign reads that row
-- and nothing else of the table (a recount would read the campaign's 2,000 rows).
create temp table one as select min(id) as id from notification_campaign_groups
  where campaign_id = (select big from c) and status = 'sent';
create temp table reads_before as select seq_tup_read, coalesce(idx_tup_fetch, 0) as idx_tup_fetch
  from pg_stat_xact_user_tables where relid = 'wa_data.notification_campaign_groups'::regclass;
update notification_campaign_groups set status = 'failed', error_code = 2, failed_at = now()
  where id = (select id from one);
select is(
  (select (s.seq_tup_read - b.seq_tup_read) + (coalesce(s.idx_tup_fetch, 0) - b.idx_tup_fetch)
   from pg_stat_xact_user_tables s, reads_before b where s.relid = 'wa_data.notification_campaign_groups'::regclass),
  1::bigint, 'updating one row of a 2,000-row campaign reads one row of the table: the trigger reads only its transition rows');
select ok(tests.totals_match((select big from c)), '… and the totals still equal the rows');
select throws_ok(
  $$update notification_campaigns set sent_count = sent_count + 1 where id = (select small from c)$$,
  '23514', null, 'totals that do not add up are refused by the table');

select * from finish();
rollback;
