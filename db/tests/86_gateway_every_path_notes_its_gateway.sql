-- Gateway: every path that receives a session's events notes which gateway posts for it
-- (whatsapp_sessions.gateway, the campaigns' progress_source: docs/crm.md), also when it records
-- nothing but error ACKs, progress or group events, or nothing at all (an Evolution update we do
-- not use), but never for events it refused; and the session's row is written only when the gateway
-- changes (internal.note_gateway: the ACK path never queues on it), so gateway_seen_at is when that
-- gateway was first seen. Evolution bodies as Evolution API 2.3.7 posts them
-- (github:evolution-foundation/evolution-api: webhook.controller.ts emit;
-- whatsapp.baileys.service.ts messageHandle['messages.update']; test/fixtures/gateway-payloads.ts
-- evolutionMessageUpdate).
begin;
select plan(14);

select from tests.make_campaign('wa_gn', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 2, 'GN');
select from tests.sync_n('wa_gq', 1);
create function pg_temp.evolution(instance text, key_id text, status text) returns jsonb language sql as $$
  select jsonb_build_object('event', 'messages.update', 'instance', instance,
    'data', jsonb_build_object('keyId', key_id, 'remoteJid', tests.jid(1), 'fromMe', true, 'status', status,
                               'instanceId', '0f8fad5b-d9cb-469f-a165-70867728950e', 'messageId', 'cm3f0evolutiondbid0086'),
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)
$$;
create function pg_temp.gateway(session text) returns text language sql as $$
  select gateway::text from whatsapp_sessions where session_id = session
$$;

-- An update Evolution posts that we do not use (SERVER_ACK): nothing recorded, the gateway noted.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('wa_gq', 'GQ1', 'SERVER_ACK')) ->> 'ignored', '1', 'a SERVER_ACK update is ignored');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gq'), 'evolution_api', '… and its instance is noted as posted for by Evolution API');

-- Group events: noted too (Evolution groups.upsert, then WAHA group.v2.update).
select from tests.sync_n('wa_gu', 1);
select from tests.act_as('gateway');
select is(api.evolution_webhook(jsonb_build_object('event', 'groups.upsert', 'instance', 'wa_gu',
    'data', jsonb_build_array(jsonb_build_object('id', tests.jid(1), 'subject', 'Avisos', 'size', 3, 'isCommunity', false,
                                                 'isCommunityAnnounce', false, 'announce', false, 'restrict', false)),
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)) ->> 'outcome',
  'recorded', 'an Evolution groups.upsert is recorded');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gu'), 'evolution_api', '… and notes its instance as posted for by Evolution API');
select from tests.act_as('gateway');
select is(api.waha_webhook(jsonb_build_object('id', 'evt_01jwaha0086000000', 'timestamp', 1764072000000, 'event', 'group.v2.update',
    'session', 'wa_gu', 'me', jsonb_build_object('id', '5511999999999@c.us', 'pushName', 'CRM Avisos'),
    'payload', jsonb_build_object('group', jsonb_build_object('id', tests.jid(1), 'subject', 'Avisos 2')), 'engine', 'NOWEB')::json)
    -> 'groups' ->> 'updated', '1', 'a WAHA group.v2.update renames the group');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gu'), 'waha', '… and notes the session as posted for by WAHA');

-- Error ACKs only: noted by the error path.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('wa_gn', 'GN1', 'ERROR')) -> 'errors' ->> 'applied', '1',
  'an ERROR update of our message is applied');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gn'), 'evolution_api', '… and the session is noted as posted for by Evolution API');
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_gn", "messageId": "GN2", "errorCode": 420}');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gn'), 'direct', 'then an error ACK through record_message_error notes it as direct');

-- Progress only: noted by the progress path.
select from tests.sync_n('wa_gp', 1);
select from tests.act_as('gateway');
select from api.record_message_status('{"sessionId": "wa_gp", "messageId": "GP1", "status": "delivered"}');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gp'), 'direct', 'a session that only had progress through record_message_status is noted as direct');

-- Only refused events: nothing of the session changes (a refused event is quarantined, never its session's news).
select from tests.sync_n('wa_gz', 1);
select from tests.act_as('gateway');
select from api.record_message_status('{"sessionId": "wa_gz", "messageId": "GZ1", "status": "seen"}');
select from api.record_message_error('{"sessionId": "wa_gz", "messageId": "GZ1", "errorCode": "x"}');
select from tests.act_as_admin();
select from tests.act_as('gateway');
select is(api.evolution_webhook(jsonb_build_object('event', 'messages.update', 'instance', 'wa_gz',
    'data', jsonb_build_object('remoteJid', tests.jid(1), 'fromMe', true, 'status', 'ERROR'))) -> 'errors' ->> 'quarantined', '1',
  'an Evolution ERROR without keyId is quarantined');
select from tests.act_as_admin();
select is(pg_temp.gateway('wa_gz'), null, 'a session whose every event was refused is not noted, on any path');

-- The same gateway again: the row is not written (gateway_seen_at stays when it was first seen).
update whatsapp_sessions set gateway_seen_at = '2026-01-01T00:00:00Z' where session_id = 'wa_gn';
create temp table before as select ctid as row_ctid from whatsapp_sessions where session_id = 'wa_gn';
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_gn", "messageId": "GN3", "errorCode": 420}');
select from api.record_message_status('{"sessionId": "wa_gn", "messageId": "GN2", "status": "read"}');
select from tests.act_as_admin();
select is((select gateway_seen_at from whatsapp_sessions where session_id = 'wa_gn'), '2026-01-01T00:00:00Z'::timestamptz,
  'more events from the same gateway leave gateway_seen_at alone');
select is((select ctid from whatsapp_sessions where session_id = 'wa_gn'), (select row_ctid from before),
  '… and do not write the session''s row at all');

select * from finish();
rollback;
