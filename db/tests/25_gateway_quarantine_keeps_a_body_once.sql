-- Gateway: the quarantine keeps a refused body once (the same bytes, reason and endpoint are one
-- unresolved row counting its arrivals), also when one batch repeats it; the Evolution apikey
-- never reaches it, however deep; a time that looks valid but does not exist is refused, never raised.
begin;
select plan(12);

select from tests.act_as('gateway');
-- One batch, the same invalid event three times and another one twice (an ON CONFLICT may not
-- touch a row twice in one statement: they are grouped first).
select is(api.record_message_error('{"events": [{"sessionId": "wa_x", "messageId": "Q1", "errorCode": "x"}, {"sessionId": "wa_x", "messageId": "Q1", "errorCode": "x"},
  {"sessionId": "wa_x", "messageId": "Q2", "errorCode": "y"}, {"sessionId": "wa_x", "messageId": "Q1", "errorCode": "x"}, {"sessionId": "wa_x", "messageId": "Q2", "errorCode": "y"},
  {"sessionId": "wa_x", "messageId": "OK1"}]}') -> 'counts',
  '{"applied": 0, "duplicate": 0, "pending_match": 1, "quarantined": 5}'::jsonb, 'a batch with repeated invalid events answers each of them');
select is(api.record_message_error('{"sessionId": "wa_x", "messageId": "Q1", "errorCode": "x"}') ->> 'code', 'invalid_error_code', 'the retry is refused the same way');
select from tests.act_as_admin();

select is((select array_agg(times_received order by raw ->> 'messageId') from message_error_quarantine where raw ->> 'messageId' in ('Q1', 'Q2')),
  array[4, 2], 'each body is one row, counting how often it came');
select is((select count(distinct endpoint)::int from message_error_quarantine where raw ->> 'messageId' in ('Q1', 'Q2')), 1,
  'kept as record_message_error bodies');
select ok((select bool_and(last_received_at >= received_at) from message_error_quarantine), 'last_received_at is kept');

-- Resolved, the next arrival is a new row.
update message_error_quarantine set resolved_at = now(), resolution = 'dismissed' where raw ->> 'messageId' = 'Q2';
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_x", "messageId": "Q2", "errorCode": "y"}');
select from tests.act_as_admin();
select is((select array_agg(times_received order by id) from message_error_quarantine where raw ->> 'messageId' = 'Q2'),
  array[2, 1], 'a body that comes again after its row was resolved starts a new row');

-- Evolution's apikey, nested 100 levels down and in any case: never kept.
select from tests.act_as('gateway');
select from api.evolution_webhook(jsonb_build_object('event', 'groups.upsert', 'instance', ' ', 'APIKEY', 'K-TOP',
  'data', (select string_agg('{"a":', '') || '{"ApiKey": "K-DEEP"}' || repeat('}', 100) from generate_series(1, 100))::jsonb));
select from tests.act_as_admin();
select is((select count(*)::int from message_error_quarantine where raw::text ilike '%K-TOP%' or raw::text ilike '%K-DEEP%'), 0,
  'the apikey is kept nowhere, however deep');
select is((select count(*)::int from message_error_quarantine where code = 'invalid_session_id' and endpoint = 'evolution_webhook'), 1,
  'the body itself is kept');

select is(internal.event_time('"2026-02-30T10:00:00Z"'), null, '30 February does not exist');
select is(internal.event_time('"2024-02-29T10:00:00+15:59"'), '2024-02-28 18:01:00+00'::timestamptz, 'a leap day and the widest zone convert');
select is(array[internal.event_time('"0000-01-01T00:00Z"'), internal.event_time('"2026-01-01T24:00Z"'),
                internal.event_time('"2026-01-01T10:00+16:00"'), internal.event_time('1764072000123'::jsonb)],
  array[null, null, null, '2025-11-25 12:00:00.123+00']::timestamptz[], 'year 0, hour 24, a zone past 15:59 are none; 13 digits are milliseconds');

-- Near the 64-level cap: 60 levels down the key is removed and its siblings kept (the subtree is
-- replaced whole only from level 64 on).
select is(internal.without_apikey((repeat('{"a": ', 60) || '{"apikey": "s", "keep": 1}' || repeat('}', 60))::jsonb)
    #> array_fill('a'::text, array[60]),
  '{"keep": 1}'::jsonb, '60 levels down: the apikey removed, its siblings kept');

select * from finish();
rollback;
