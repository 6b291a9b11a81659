-- Gateway: the edges of what an event carries, each exact: an ACK of exactly rawEventBytes bytes
-- is kept whole (one byte more is truncated); a body that is not an object is kept as a preview;
-- 29 February exists in 2000 and 2024 but not in 1900, 2100 or 2023 (the Gregorian rule, %400
-- included); an earlier delivery time that arrives after a later one moves the row's time back
-- (the earliest wins whatever the order: pgTAP 28 sends them the other way round).
begin;
select plan(10);

select from tests.make_campaign('wa_tb', 4);
create temp table c as select max(id) as id from notification_campaigns;
create temp table lim as select internal.limit('rawEventBytes') as n;
grant select on c, lim to public;
select from tests.mark_sent((select id from c), 1, 4, 'TB');
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = (select id from c);
-- An error ACK of message `id` padded to exactly `bytes` bytes (as the API measures an event: its jsonb text).
create function pg_temp.ack_of(id text, bytes int) returns jsonb language sql as $$
  select e || jsonb_build_object('padding', repeat('x', bytes - octet_length(e::text)))
  from jsonb_build_object('sessionId', 'wa_tb', 'messageId', id, 'errorCode', 420, 'padding', '') e
$$;
select is(octet_length(pg_temp.ack_of('TB1', (select n from lim))::text), (select n from lim), '(the padded ACK has the limit''s size)');

select from tests.act_as('gateway');
select is((api.record_message_error(pg_temp.ack_of('TB1', (select n from lim))) -> 'results' -> 0) - 'campaignId',
  '{"index": 0, "messageId": "TB1", "outcome": "applied"}'::jsonb, 'an ACK of exactly rawEventBytes bytes is not truncated');
select is(api.record_message_error(pg_temp.ack_of('TB2', (select n from lim) + 1)) -> 'results' -> 0 -> 'truncated', 'true'::jsonb,
  'one byte more is');
select from tests.act_as_admin();
select is((select array_agg(raw ? '_truncated' order by message_id) from message_error_inbox where session_id = 'wa_tb'),
  array[false, true], '… and the inbox keeps the first whole, the second truncated');
select is(internal.raw_event(to_jsonb(repeat('z', (select n from lim)))) - '_preview',
  jsonb_build_object('_truncated', true, '_bytes', (select n from lim) + 2), 'a string over the limit is kept as a preview');

-- 29 February.
select is((select array_agg(internal.event_time(to_jsonb(y || '-02-29T12:00:00Z')) is not null order by y)
           from unnest(array['1900', '2000', '2023', '2024', '2100']) y),
  array[false, true, false, true, false], '29 February: 2000 and 2024 have one, 1900, 2023 and 2100 do not');
select is(internal.event_time('"2000-02-29T12:00:00Z"'), timestamptz '2000-02-29 12:00:00+00', '… and 2000-02-29 reads as itself');

-- Delivery times: the later first, then the earlier.
select from tests.act_as('gateway');
select from api.record_message_status(jsonb_build_object('sessionId', 'wa_tb', 'messageId', 'TB3', 'status', 'delivered',
  'at', to_char(now() at time zone 'UTC' - interval '10 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
select is(api.record_message_status(jsonb_build_object('sessionId', 'wa_tb', 'messageId', 'TB3', 'status', 'delivered',
    'at', to_char(now() at time zone 'UTC' - interval '40 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) -> 'results' -> 0 ->> 'outcome',
  'applied', 'an earlier delivery time arriving later applies');
select from tests.act_as_admin();
select is((select delivered_at from notification_campaign_groups where message_id = 'TB3'),
  date_trunc('second', now() at time zone 'UTC' - interval '40 minutes') at time zone 'UTC', '… and the row keeps the earlier time');
select is((select read_at from notification_campaign_groups where message_id = 'TB3'), null, '… and is not read');

select * from finish();
rollback;
