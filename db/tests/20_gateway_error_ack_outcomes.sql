-- Gateway: each error ACK lands on its row (applied), repeats change nothing (duplicate), ACKs
-- that beat the send record wait (pending_match) and apply when the row gets that message id.
begin;
select plan(20);

select from tests.make_campaign('wa_a', 4);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2);  -- MSG1, MSG2 sent
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;  -- read while acting as other roles

select from tests.act_as('gateway');
select is(
  api.record_message_error(jsonb_build_object('event', 'message_error', 'sessionId', 'wa_a', 'messageId', 'MSG1',
    'errorCode', 420, 'errorMessage', 'not-acceptable', 'groupJid', tests.jid(1))) -> 'results' -> 0 ->> 'outcome',
  'applied', 'an ACK for a sent row is applied');
select is(
  api.record_message_error('{"sessionId": "wa_a", "messageId": "MSG1", "errorCode": 463}') -> 'results' -> 0 ->> 'outcome',
  'duplicate', 'a second ACK for the same message is a duplicate');
select is(
  (api.record_message_error('{"sessionId": "wa_a", "messageId": "MSG3", "errorCode": "463"}') -> 'results' -> 0),
  '{"index": 0, "outcome": "pending_match", "messageId": "MSG3", "campaignId": null}'::jsonb,
  'an ACK for an unknown message id waits (and is not an error)');
select is(current_setting('response.status', true), null, 'no error status was set for valid ACKs');
select from tests.act_as_admin();

select is((select (status, error_code, error_message)::text from notification_campaign_groups where message_id = 'MSG1'),
  '(failed,420,not-acceptable)', 'the row is failed with the first error kept');
select isnt((select failed_at from notification_campaign_groups where message_id = 'MSG1'), null, 'failed_at is set');
select is((select (sent_count, failed_count, pending_count)::text from notification_campaigns where id = (select id from c)),
  '(1,1,2)', 'totals moved from sent to failed');
select ok(tests.totals_match((select id from c)), 'totals equal the row counts');

-- The send record for group 3 arrives after its ACK: it is failed at once with the ACK's error.
select is((tests.mark_sent((select id from c), 3, 3) ->> 'failedByEarlyAck')::int, 1,
  'recording the send applies the waiting ACK');
select is((select (status, error_code)::text from notification_campaign_groups where group_jid = tests.jid(3)),
  '(failed,463)', 'the numeric-string code was kept as a number');
select is((select (outcome, resolution)::text from message_error_inbox where message_id = 'MSG3'),
  '(pending_match,applied)', 'the inbox keeps the first answer and records the later match');

-- No errorCode and no errorMessage: still applied. WAHA ids are unwrapped.
select from tests.act_as('gateway');
select is(
  api.record_message_error(format('{"sessionId": "wa_a", "messageId": "true_%s_MSG2_5511900000001@c.us"}', tests.jid(2))::jsonb)
    -> 'results' -> 0 ->> 'outcome', 'applied', 'a WAHA-style id without a code is unwrapped and applied');
select from tests.act_as_admin();
select is((select (status, error_code)::text from notification_campaign_groups where message_id = 'MSG2'),
  '(failed,)', 'with no code given, error_code stays null');

-- A batch: one applies, one repeats it within the batch, one waits.
select from tests.mark_sent((select id from c), 4, 4);
select from tests.act_as('gateway');
select is(
  (select jsonb_agg(r ->> 'outcome') from jsonb_array_elements(api.record_message_error(
    '{"events": [{"sessionId": "wa_a", "messageId": "MSG4", "errorCode": 420}, {"sessionId": "wa_a", "messageId": "MSG4", "errorCode": 421},
                 {"sessionId": "wa_a", "messageId": "NOPE"}]}') -> 'results') r),
  '["applied", "duplicate", "pending_match"]'::jsonb, 'a batch answers per event, in order');
select from tests.act_as_admin();
select is((select error_code::int from notification_campaign_groups where message_id = 'MSG4'), 420,
  'the first ACK of the batch wins');

-- A group that does not match the row's group leaves it alone.
select is(
  api.record_message_error(format('{"sessionId": "wa_a", "messageId": "MSG4", "groupJid": "%s"}', tests.jid(9))::jsonb)
    -> 'results' -> 0 ->> 'outcome', 'pending_match', 'an ACK with another group does not touch the row');

select is((select count(*)::int from message_error_inbox), 8, 'every ACK is in the inbox');
select is((select status from notification_campaigns where id = (select id from c)), 'failed',
  'all four groups failed: the campaign is failed');
select ok(tests.totals_match((select id from c)), 'totals still equal the row counts');
select is((select raw ->> 'errorCode' from message_error_inbox where message_id = 'MSG3'), '463',
  'the inbox keeps the raw payload');

select * from finish();
rollback;
