-- Gateway: what a webhook body carries that we do not use is ignored, counted, and never recorded
-- nor an error (a 4xx/5xx makes a gateway retry or stop: docs/gateway.md). Evolution's
-- messages.update items that are not ERROR, DELIVERY_ACK, READ or PLAYED — PENDING, SERVER_ACK, a
-- status Evolution could not name (`status[update.status] ?? 'DELETED'`), a number outside Baileys'
-- 0..5, no status at all, an item that is not an object, someone else's message — are each counted
-- in "ignored" and touch no row; a WAHA group.v2.participants leave whose participants is not a
-- list names nobody. Bodies as the gateways post them (Evolution API 2.3.6:
-- github:EvolutionAPI/evolution-api
-- src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts
-- messageHandle['messages.update'], src/utils/renderStatus.ts `status` 0..5; WAHA 2025.12.2+:
-- github:devlikeapro/waha src/structures/groups.dto.ts GroupV2ParticipantsEvent;
-- test/fixtures/gateway-payloads.ts).
begin;
select plan(7);

select from tests.make_campaign('wa_gi', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 2, 'GI');
-- One messages.update item of our message GI<n> in group n (status: as given; absent when null).
create function pg_temp.item(n int, status jsonb, from_me boolean default true) returns jsonb language sql as $$
  select jsonb_build_object('keyId', format('GI%s', n), 'remoteJid', tests.jid(n), 'fromMe', from_me,
    'instanceId', '0f8fad5b-d9cb-469f-a165-70867728950e', 'messageId', 'cm3f0evolutiondbid0087')
    || case when status is null then '{}' else jsonb_build_object('status', status) end
$$;

select from tests.act_as('gateway');
select is(api.evolution_webhook(jsonb_build_object('event', 'messages.update', 'instance', 'wa_gi',
    'data', jsonb_build_array(pg_temp.item(1, '"PENDING"'), pg_temp.item(1, '"SERVER_ACK"'), pg_temp.item(2, '"DELETED"'),
                              pg_temp.item(2, '6'), pg_temp.item(2, null), '"GI2"'::jsonb, pg_temp.item(2, '"READ"', false)),
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)) - 'event',
  '{"outcome": "recorded", "errors": null, "progress": null, "ignored": 7}'::jsonb,
  'seven items we do not use: each counted as ignored, no error ACK, no progress');
select is(current_setting('response.status', true), null, '… answered 200 (no status set)');
select from tests.act_as_admin();
select is((select array_agg((status, delivered_at, read_at)::text order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c)),
  array['(sent,,)', '(sent,,)'], '… and no row moved');
select is((select count(*)::int from message_status_inbox where session_id = 'wa_gi')
          + (select count(*)::int from message_error_inbox where session_id = 'wa_gi'), 0, '… and nothing was stored');

-- WAHA: a leave whose participants is not a list names nobody.
select from tests.act_as('gateway');
select is(api.waha_webhook(jsonb_build_object('id', 'evt_01jwaha0087000000', 'timestamp', 1764072000000, 'event', 'group.v2.participants',
    'session', 'wa_gi', 'me', jsonb_build_object('id', '5511999999999@c.us', 'pushName', 'CRM Avisos'),
    'payload', jsonb_build_object('group', jsonb_build_object('id', tests.jid(1)), 'type', 'leave',
                                  'participants', jsonb_build_object('id', '5511999999999@c.us')),
    'engine', 'NOWEB')::json) ->> 'outcome', 'ignored', 'a participants leave whose participants is an object is ignored, not an error');
select is(api.waha_webhook(jsonb_build_object('id', 'evt_01jwaha0087000001', 'timestamp', 1764072000000, 'event', 'group.v2.participants',
    'session', 'wa_gi', 'me', jsonb_build_object('id', '5511999999999@c.us', 'lid', '123456789012345@lid', 'pushName', 'CRM Avisos'),
    'payload', jsonb_build_object('group', jsonb_build_object('id', tests.jid(1)), 'type', 'leave',
                                  'participants', jsonb_build_array(jsonb_build_object('id', '123456789012345@c.us', 'role', 'participant'))),
    'engine', 'GOWS')::json) ->> 'outcome', 'ignored',
  'a leave of a phone number whose digits are our LID''s is someone else''s (a @lid and a @c.us are different users)');
select from tests.act_as_admin();
select is((select inactive_since from whatsapp_groups where session_id = 'wa_gi' and group_jid = tests.jid(1)), null,
  '… and the group stays active');

select * from finish();
rollback;
