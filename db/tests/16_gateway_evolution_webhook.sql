-- Gateway (Evolution API): api.evolution_webhook records an ERROR update of our message as an
-- error ACK and READ as progress, ignores updates of other people's messages (fromMe false), and
-- upserts the groups of groups.upsert. Bodies shaped as Evolution API 2.3.7 posts them
-- (github:evolution-foundation/evolution-api: webhook.controller.ts emit; whatsapp.baileys.service.ts
-- messageHandle['messages.update'], groupHandler['groups.upsert']), as
-- test/fixtures/gateway-payloads.ts builds them.
begin;
select plan(6);

select from tests.make_campaign('wa_ev', 3);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 3, 'EV');
create function pg_temp.evolution(event text, data jsonb) returns jsonb language sql as $$
  select jsonb_build_object('event', event, 'instance', 'wa_ev', 'data', data,
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)
$$;
create function pg_temp.update(key_id text, n int, status text, from_me boolean) returns jsonb language sql as $$
  select pg_temp.evolution('messages.update', jsonb_build_object('keyId', key_id, 'remoteJid', tests.jid(n), 'fromMe', from_me,
    'status', status, 'instanceId', '0f8fad5b-d9cb-469f-a165-70867728950e', 'messageId', 'cm3f0evolutiondbid0001'))
$$;

select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.update('EV1', 1, 'ERROR', true)) -> 'errors' ->> 'applied', '1',
  'an ERROR update of our message is an error ACK');
select is(api.evolution_webhook(pg_temp.update('EV2', 2, 'READ', true)) -> 'progress' ->> 'applied', '1',
  'a READ update of our message is progress');
select is(api.evolution_webhook(pg_temp.update('EV3', 3, 'READ', false)) -> 'ignored', '1',
  'an update of someone else''s message is ignored');
select is(api.evolution_webhook(pg_temp.evolution('groups.upsert', jsonb_build_array(jsonb_build_object(
    'id', tests.jid(50), 'subject', 'Avisos', 'size', 3, 'isCommunity', false, 'isCommunityAnnounce', false,
    'announce', false, 'restrict', false)))) -> 'groups' ->> 'upserted', '1', 'groups.upsert stores the group');
select from tests.act_as_admin();
select is((select array_agg((status, read_at is not null)::text order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c)),
  array['(failed,f)', '(sent,t)', '(sent,f)'], 'failed; read; untouched');
select is((select name::text from whatsapp_groups where session_id = 'wa_ev' and group_jid = tests.jid(50)), 'Avisos',
  'the upserted group is stored');

select * from finish();
rollback;
