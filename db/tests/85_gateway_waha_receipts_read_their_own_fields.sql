-- Gateway (WAHA): each receipt is read from its own fields, as docs/gateway.md ("WAHA") says. A
-- READ takes its time from the receipt's readTimestamp, a PLAYED from playedTimestamp, a SERVER
-- (ack 1) carrying a receiptTimestamp is a delivery at that time, and so is a GOWS DEVICE (ack 2)
-- at its _data.Timestamp (never the envelope's time when the receipt has its own, and always when
-- the receipt's is 2009-01-01 or before: Go's zero time); a SERVER without a receipt (our send
-- reached the server) and a receipt NOWEB could not name (no ack, ackName UNKNOWN) or whose ack is
-- no whole number are ignored, never an error; an ERROR's code is error.code's first (then
-- errorCode, then the stub parameters, kept as they came), and an ERROR is known by its ackName
-- too; an id without WAHA's true_/false_ prefix is ours only when fromMe says so; a body whose
-- event is not a string is not a WAHA body (400 invalid_body), one whose session is blank names
-- none (422 invalid_session_id); an X-Webhook-Hmac that is not hex is a wrong signature (401),
-- never an error. Bodies as WAHA builds them (github:devlikeapro/waha: envelope
-- src/core/abc/manager.abc.ts populateSessionInfo; NOWEB
-- src/core/engines/noweb/session.noweb.core.ts convertMessageReceiptUpdateToMessageAck:
-- receiptTimestamp → SERVER, playedTimestamp → PLAYED, readTimestamp → READ, none → ack undefined
-- (absent) and ackName ACK_UNKNOWN 'UNKNOWN' (src/structures/enums.dto.ts);
-- test/fixtures/gateway-payloads.ts wahaNowebGroupReceipt).
begin;
select plan(28);

select from tests.make_campaign('wa_wr', 10);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 10, 'WR');
-- The sends an hour ago, so that every time between the send and now can be told apart.
update notification_campaign_groups set sent_at = now() - interval '1 hour' where campaign_id = (select id from c);
-- Receipt times (seconds) 30, 25 and 20 minutes ago; the envelope's own timestamp (ms) 10 minutes ago.
create temp table t as
  select extract(epoch from date_trunc('second', now()) - interval '30 minutes')::bigint as read_s,
         extract(epoch from date_trunc('second', now()) - interval '25 minutes')::bigint as played_s,
         extract(epoch from date_trunc('second', now()) - interval '20 minutes')::bigint as receipt_s,
         extract(epoch from date_trunc('second', now()) - interval '10 minutes')::bigint * 1000 as envelope_ms;
grant select on t to public;
create function pg_temp.waha(event jsonb, payload jsonb) returns json language sql as $$
  select jsonb_build_object('id', 'evt_01jwaha0085000000', 'timestamp', (select envelope_ms from t), 'event', event, 'session', 'wa_wr',
    'me', jsonb_build_object('id', '5511999999999@c.us', 'pushName', 'CRM Avisos'), 'payload', payload, 'engine', 'NOWEB',
    'environment', jsonb_build_object('version', '2026.7.1', 'engine', 'NOWEB', 'tier', 'CORE', 'browser', null))::json
$$;
-- NOWEB's group receipt of our message WR<n> in group n: `receipt` is Baileys' MessageUserReceipt
-- ({userJid} and the one timestamp it reports); ack and ackName as convertMessageReceiptUpdateToMessageAck sets them.
create function pg_temp.receipt(n int, ack jsonb, ack_name text, receipt jsonb) returns jsonb language sql as $$
  select jsonb_strip_nulls(jsonb_build_object('id', format('true_%s_WR%s_5511999999999@c.us', tests.jid(n), n), 'from', tests.jid(n),
    'to', tests.jid(n), 'participant', '5511900000001@c.us', 'fromMe', true, 'ack', ack, 'ackName', ack_name,
    '_data', jsonb_build_object('key', jsonb_build_object('remoteJid', tests.jid(n), 'id', format('WR%s', n), 'fromMe', true,
                                                         'participant', '5511900000001@s.whatsapp.net'),
                                'receipt', jsonb_build_object('userJid', '5511900000001@s.whatsapp.net') || receipt)))
$$;
create function pg_temp.times(n int) returns text language sql as $$
  select (delivered_at, read_at, status)::text from notification_campaign_groups
  where campaign_id = (select id from c) and group_jid = tests.jid(n)
$$;

select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"',
    pg_temp.receipt(1, '3', 'READ', jsonb_build_object('readTimestamp', (select read_s from t))))) -> 'progress' ->> 'applied',
  '1', 'a READ receipt is progress');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"',
    pg_temp.receipt(2, '4', 'PLAYED', jsonb_build_object('playedTimestamp', (select played_s from t))))) -> 'progress' ->> 'applied',
  '1', 'a PLAYED receipt is progress');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"',
    pg_temp.receipt(3, '1', 'SERVER', jsonb_build_object('receiptTimestamp', (select receipt_s from t))))) -> 'progress' ->> 'applied',
  '1', 'a SERVER receipt carrying a participant''s receiptTimestamp (NOWEB) is progress');
select is(api.waha_webhook(pg_temp.waha('"message.ack"', jsonb_build_object('id', format('true_%s_WR4', tests.jid(4)),
    'from', tests.jid(4), 'fromMe', true, 'ack', 1, 'ackName', 'SERVER'))) ->> 'outcome',
  'ignored', 'a SERVER ack without a receipt (our send reached the server) is ignored');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"', pg_temp.receipt(4, null, 'UNKNOWN', '{}'))) ->> 'outcome',
  'ignored', 'a receipt NOWEB could not name (no ack, ackName UNKNOWN) is ignored, not an error');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"', pg_temp.receipt(4, '2.5', 'DEVICE', '{}'))) ->> 'outcome',
  'ignored', 'an ack that is no whole number is ignored, not an error');
select from tests.act_as_admin();
select is(pg_temp.times(1), (select (to_timestamp(read_s), to_timestamp(read_s), 'sent')::text from t),
  'the READ''s time is its readTimestamp (delivered then too), not the envelope''s');
select is(pg_temp.times(2), (select (to_timestamp(played_s), to_timestamp(played_s), 'sent')::text from t),
  'the PLAYED''s time is its playedTimestamp');
select is(pg_temp.times(3), (select (to_timestamp(receipt_s), null, 'sent')::text from t),
  'the SERVER receipt is a delivery at its receiptTimestamp, not a read');
select is(pg_temp.times(4), '(,,sent)', 'the row of the ignored acks is untouched: not failed, no progress');
select is((select count(*)::int from message_error_inbox where session_id = 'wa_wr'), 0, '… and no error ACK was stored');

-- GOWS: a DEVICE receipt (ack 2) is a delivery at its _data.Timestamp (Go's RFC 3339;
-- src/core/engines/gows/session.gows.core.ts receiptToMessageAck; test/fixtures/gateway-payloads.ts wahaGowsReceipt).
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"', jsonb_build_object('id', format('true_%s_WR7_5511999999999@c.us', tests.jid(7)),
    'from', tests.jid(7), 'to', '5511900000001@c.us', 'participant', '5511900000001@c.us', 'fromMe', true, 'ack', 2, 'ackName', 'DEVICE',
    '_data', jsonb_build_object('Chat', tests.jid(7), 'Sender', '5511900000001@s.whatsapp.net', 'IsFromMe', false, 'IsGroup', true,
                                'MessageIDs', jsonb_build_array('WR7'), 'Type', '', 'MessageSender', '5511999999999@s.whatsapp.net',
                                'Timestamp', (select to_char(to_timestamp(receipt_s) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') from t)))))
    -> 'progress' ->> 'applied', '1', 'a GOWS DEVICE receipt is progress');
select from tests.act_as_admin();
select is(pg_temp.times(7), (select (to_timestamp(receipt_s), null, 'sent')::text from t), '… a delivery at its _data.Timestamp');

-- ERROR receipts (NOWEB message.ack; restriction.ts buildAckError puts the code in error.code).
-- Where several fields carry a code, error.code is read first, and the stub parameters kept beside
-- the event are those the code would be read from next (_data's own before _data.update's).
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('"message.ack"', jsonb_build_object('id', format('true_%s_WR8', tests.jid(8)), 'from', tests.jid(8),
    'fromMe', true, 'ack', -1, 'ackName', 'ERROR', 'error', jsonb_build_object('code', '420', 'blocked', false), 'errorCode', 479,
    '_data', jsonb_build_object('messageStubParameters', jsonb_build_array('421'),
                                'update', jsonb_build_object('messageStubParameters', jsonb_build_array('479')))))) -> 'errors' ->> 'applied',
  '1', 'an ERROR receipt with a code in error.code, errorCode and the stub parameters is applied');
select is(api.waha_webhook(pg_temp.waha('"message.ack"', jsonb_build_object('id', format('true_%s_WR9', tests.jid(9)), 'from', tests.jid(9),
    'fromMe', true, 'ackName', 'ERROR'))) -> 'errors' ->> 'applied', '1', 'one whose ack is not a number is read by its ackName ERROR');
select from tests.act_as_admin();
select is((select array_agg((status, error_code)::text order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid in (tests.jid(8), tests.jid(9))),
  array['(failed,420)', '(failed,)'], 'the first failed with error.code''s code, the second without a code');
select is((select raw -> 'gatewayError' from message_error_inbox where session_id = 'wa_wr' and message_id = 'WR8'),
  '{"error": {"code": "420", "blocked": false}, "errorCode": 479, "messageStubParameters": ["421"]}'::jsonb,
  'WAHA''s own fields are kept beside it: error, errorCode, and _data''s stub parameters');

-- A receipt time no later than 2009-01-01 is none (Go's zero time, 0001-01-01, is GOWS's "no time"): the envelope's is taken.
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"', pg_temp.receipt(10, '1', 'SERVER',
    jsonb_build_object('receiptTimestamp', extract(epoch from '2009-01-01'::timestamptz)::bigint)))) -> 'progress' ->> 'applied',
  '1', 'a SERVER receipt whose receiptTimestamp is 2009-01-01 exactly is progress');
select from tests.act_as_admin();
select is(pg_temp.times(10), (select (to_timestamp(envelope_ms / 1000), null, 'sent')::text from t),
  '… at the envelope''s time: 2009-01-01 is not a receipt time');

-- An id without WAHA's prefix: fromMe decides.
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('"message.ack"', jsonb_build_object('id', 'WR5', 'from', tests.jid(5), 'fromMe', true,
    'ack', 3, 'ackName', 'READ'))) -> 'progress' ->> 'applied', '1', 'an id without a prefix is ours when fromMe is true');
select is(api.waha_webhook(pg_temp.waha('"message.ack"', jsonb_build_object('id', 'WR6', 'from', tests.jid(6), 'fromMe', false,
    'ack', 3, 'ackName', 'READ'))) ->> 'outcome', 'ignored', '… and not ours when fromMe is false');
select from tests.act_as_admin();
select is(array[pg_temp.times(5) like '("%","%",sent)', pg_temp.times(6) = '(,,sent)'], array[true, true],
  'the first is read, the second untouched');

-- An event that is not a string: not a WAHA body.
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('5', pg_temp.receipt(1, '3', 'READ', '{}'))) ->> 'code', 'invalid_body',
  'a body whose event is a number is 400 invalid_body');
select is(current_setting('response.status', true), '400', '… with 400');
select is(api.waha_webhook((pg_temp.waha('"message.ack.group"', pg_temp.receipt(1, '3', 'READ', '{}'))::jsonb
    || '{"session": " "}')::json) ->> 'code', 'invalid_session_id', 'a blank session is invalid_session_id');
select is(current_setting('response.status', true), '422', '… with 422');

-- With a WAHA key set: an X-Webhook-Hmac of the right length that is not hex is a wrong signature, not an error.
select from tests.act_as_admin();
insert into internal.webhook_secrets (gateway, session_id, secret) values ('waha', 'wa_wr', 'waha-hmac-key-0123456789');
select from tests.act_as('gateway');
select from tests.with_headers(jsonb_build_object('x-webhook-hmac', repeat('zz', 64)), '/rpc/waha_webhook');
select is(api.waha_webhook(pg_temp.waha('"message.ack.group"', pg_temp.receipt(1, '3', 'READ', '{}'))) ->> 'code',
  'invalid_signature', 'an X-Webhook-Hmac of 128 characters that are not hex is invalid_signature');
select is(current_setting('response.status', true), '401', '… with 401');

select * from finish();
rollback;
