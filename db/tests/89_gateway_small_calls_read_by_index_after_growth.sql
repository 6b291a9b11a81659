-- Gateway: a small call (one ACK, a batch of 100, one progress event, a record of 100 sends, a
-- claim) reads rows by index, in a number bounded by the call, even on a connection whose cached
-- plans were built while the tables were tiny and analysed as such (a young install, before
-- autovacuum's next ANALYZE; issue 36). Without that, those plans scanned the session or the whole
-- table for every call: a batch of 100 ACKs took 3.3 s beside 60,000 rows. Measured with this
-- transaction's own scan counters (pg_stat_xact_user_tables), not with time.
begin;
select plan(13);

-- Tiny tables, analysed as tiny, and every small call planned once on them (the cached plans).
select tests.make_campaign('tiny', 3) as tiny \gset
select from tests.mark_sent(:tiny, 1, 3, 'TINY');
analyze wa_data.notification_campaign_groups, wa_data.notification_campaigns, wa_data.message_error_inbox,
  wa_data.message_status_inbox, wa_data.message_id_locks, wa_data.whatsapp_groups, wa_data.session_dispatch;
select from api.record_message_error(jsonb_build_object('sessionId', 'tiny', 'messageId', 'TINY1', 'errorCode', 420));
select from api.record_message_error(jsonb_build_object('events', jsonb_build_array(
  jsonb_build_object('sessionId', 'tiny', 'messageId', 'TINY2', 'errorCode', 420),
  jsonb_build_object('sessionId', 'tiny', 'messageId', 'NOPE', 'errorCode', 420))));
select from api.record_message_status(jsonb_build_object('sessionId', 'tiny', 'messageId', 'TINY3', 'status', 'delivered'));
select tests.make_campaign('tiny', 5) as tiny2 \gset
select from tests.mark_sent(:tiny2, 1, 2, 'TINYB');

-- Then the tables grow (large calls: planned with their own sizes), without an ANALYZE.
select tests.make_campaign('grown', 3000) as grown \gset
select from tests.mark_sent(:grown, 1, 2000, 'G');

create temporary table reads (label text, tbl regclass, seq bigint, fetched bigint);
create function pg_temp.note(label text)
returns void
language sql
as $$
  insert into reads
  select label, relid, seq_scan, coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0)
  from pg_stat_xact_user_tables where schemaname = 'wa_data'
$$;
-- Whole-table scans and rows read by one call, per table, beyond what the call names.
create function pg_temp.scans(before text, after text)
returns bigint
language sql
as $$
  select coalesce(sum(a.seq - b.seq), 0) from reads a join reads b using (tbl) where a.label = after and b.label = before
$$;
create function pg_temp.most_rows_read(before text, after text)
returns bigint
language sql
as $$
  select coalesce(max(a.fetched - b.fetched), 0) from reads a join reads b using (tbl) where a.label = after and b.label = before
$$;

select pg_temp.note('0');
select is(api.record_message_error(jsonb_build_object('sessionId', 'grown', 'messageId', 'G5', 'errorCode', 420))
  #>> '{counts,applied}', '1', 'one ACK applied beside 3,000 rows');
select pg_temp.note('1');
select is(pg_temp.scans('0', '1'), 0::bigint, '… without scanning a table');
select cmp_ok(pg_temp.most_rows_read('0', '1'), '<=', 20::bigint, '… reading a handful of rows of any table');

select is(api.record_message_error(jsonb_build_object('events', (select jsonb_agg(jsonb_build_object(
  'sessionId', 'grown', 'messageId', 'G' || i, 'errorCode', 420)) from generate_series(101, 200) i))) #>> '{counts,applied}',
  '100', 'a batch of 100 ACKs applied');
select pg_temp.note('2');
select is(pg_temp.scans('1', '2'), 0::bigint, '… without scanning a table');
select cmp_ok(pg_temp.most_rows_read('1', '2'), '<=', 1000::bigint, '… reading rows in proportion to the batch, not the table');

select is(api.record_message_status(jsonb_build_object('sessionId', 'grown', 'messageId', 'G300', 'status', 'read'))
  #>> '{counts,applied}', '1', 'one progress event applied');
select pg_temp.note('3');
select is(pg_temp.scans('2', '3'), 0::bigint, '… without scanning a table');
select cmp_ok(pg_temp.most_rows_read('2', '3'), '<=', 20::bigint, '… reading a handful of rows');

-- Ten of the next sends' ACKs arrive first (they wait for their send, as ACKs do).
select is(api.record_message_error(jsonb_build_object('events', (select jsonb_agg(jsonb_build_object(
  'sessionId', 'grown', 'messageId', 'H' || i, 'errorCode', 420)) from generate_series(2001, 2010) i))) #>> '{counts,pending_match}',
  '10', 'ten early ACKs wait');
select pg_temp.note('4');
select is((tests.mark_sent(:grown, 2001, 2100, 'H') ->> 'failedByEarlyAck')::int, 10, 'a record of 100 sends, ten failed by their early ACK');
select pg_temp.note('5');
select is(pg_temp.scans('4', '5'), 0::bigint, '… without scanning a table');
select cmp_ok(pg_temp.most_rows_read('4', '5'), '<=', 2000::bigint, '… reading rows in proportion to the sends');

-- (On failure: which table each call read too much of.)
select diag(a.label || ' ' || a.tbl::text || ': ' || (a.fetched - b.fetched) || ' rows, ' || (a.seq - b.seq) || ' scans')
from reads a join reads b on b.tbl = a.tbl and b.label::int = a.label::int - 1
where a.fetched - b.fetched > 1000 or a.seq > b.seq;
select * from finish();
rollback;
