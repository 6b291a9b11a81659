-- Gateway (WAHA): api.waha_webhook records an ERROR receipt of our message as an error ACK and
-- READ as progress, ignores receipts of other people's messages (the id's false_ prefix decides),
-- and refuses a body whose X-Webhook-Hmac does not match the WAHA key (401, quarantined).
-- Bodies shaped as WAHA 2025.12.2+ posts them (github:devlikeapro/waha; envelope:
-- src/core/abc/manager.abc.ts populateSessionInfo; NOWEB ERROR: src/core/engines/noweb/
-- session.noweb.core.ts convertMessageUpdateToMessageAck with restriction.ts buildAckError; NOWEB
-- READ: convertMessageReceiptUpdateToMessageAck), as test/fixtures/gateway-payloads.ts builds them.
begin;
select plan(9);

select from tests.make_campaign('wa_w', 3);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 3, 'W');
create function pg_temp.waha(event text, payload jsonb) returns json language sql as $$
  select jsonb_build_object('id', 'evt_01jwaha0072000000', 'timestamp', 1764072000000, 'event', event, 'session', 'wa_w',
    'me', jsonb_build_object('id', '5511999999999@c.us', 'pushName', 'CRM Avisos'), 'payload', payload, 'engine', 'NOWEB',
    'environment', jsonb_build_object('version', '2026.7.1', 'engine', 'NOWEB', 'tier', 'CORE', 'browser', null))::json
$$;
-- A NOWEB group receipt of message `id` in group n (from_me: whose message; the id's participant is ours).
create function pg_temp.receipt(id text, n int, ack int, ack_name text, from_me boolean) returns jsonb language sql as $$
  select jsonb_build_object('id', format('%s_%s_%s_5511999999999@c.us', from_me::text, tests.jid(n), id), 'from', tests.jid(n),
    'to', tests.jid(n), 'participant', '5511900000001@c.us', 'fromMe', true, 'ack', ack, 'ackName', ack_name,
    '_data', jsonb_build_object('key', jsonb_build_object('remoteJid', tests.jid(n), 'id', id, 'fromMe', from_me,
                                                         'participant', '5511900000001@s.whatsapp.net'),
                                'receipt', jsonb_build_object('userJid', '5511900000001@s.whatsapp.net', 'readTimestamp', 1764072000)))
$$;

select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('message.ack', jsonb_build_object('id', format('true_%s_W1', tests.jid(1)), 'from', tests.jid(1),
    'fromMe', true, 'ack', -1, 'ackName', 'ERROR', 'error', jsonb_build_object('code', '420', 'blocked', false)))),
  '{"event": "message.ack", "outcome": "recorded", "errors": {"applied": 1, "duplicate": 0, "pending_match": 0, "quarantined": 0}}'::jsonb,
  'an ERROR receipt of our message is an error ACK');
select is(api.waha_webhook(pg_temp.waha('message.ack.group', pg_temp.receipt('W1', 1, 3, 'READ', true))) -> 'progress' ->> 'applied',
  '0', '(a READ of a failed row changes nothing)');
select is(api.waha_webhook(pg_temp.waha('message.ack.group', pg_temp.receipt('W2', 2, 3, 'READ', true))) -> 'progress' ->> 'applied', '1', 'a READ of our message is progress');
select is(api.waha_webhook(pg_temp.waha('message.ack.group', pg_temp.receipt('W3', 3, 3, 'READ', false))) ->> 'outcome', 'ignored',
  'a receipt of someone else''s message (false_…) is ignored, whatever its fromMe says');
select from tests.act_as_admin();
select is((select array_agg((status, error_code, read_at is not null)::text order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c)),
  array['(failed,420,f)', '(sent,,t)', '(sent,,f)'], 'failed with its code; read; untouched');
select is((select gateway::text from whatsapp_sessions where session_id = 'wa_w'), 'waha',
  'the session is noted as posted for by WAHA (api.sessions, api.campaigns: the progress source)');

-- With a WAHA key set for the session, the body must carry its HMAC.
insert into internal.webhook_secrets (gateway, session_id, secret) values ('waha', 'wa_w', 'waha-hmac-key-0123456789');
create temp table signed as select encode(internal.hmac_sha512(convert_to('waha-hmac-key-0123456789', 'UTF8'),
  convert_to(pg_temp.waha('message.ack.group', pg_temp.receipt('W3', 3, 3, 'READ', true))::text, 'UTF8')), 'hex') as hmac;
grant select on signed to public;
select from tests.act_as('gateway');
select from tests.with_headers(jsonb_build_object('x-webhook-hmac', repeat('0', 128)), '/rpc/waha_webhook');
select is(api.waha_webhook(pg_temp.waha('message.ack.group', pg_temp.receipt('W3', 3, 3, 'READ', true))) ->> 'code',
  'invalid_signature', 'a wrong HMAC is refused');
select is(current_setting('response.status', true), '401', '… with 401');
select from tests.with_headers(jsonb_build_object('x-webhook-hmac', (select hmac from signed)), '/rpc/waha_webhook');
select is(api.waha_webhook(pg_temp.waha('message.ack.group', pg_temp.receipt('W3', 3, 3, 'READ', true))) ->> 'outcome',
  'recorded', 'the right HMAC is taken');

select * from finish();
rollback;
