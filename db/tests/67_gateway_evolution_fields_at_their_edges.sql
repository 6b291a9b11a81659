-- Gateway (Evolution API): api.evolution_webhook at its edges, what pgTAP 16 does not vary: a body
-- whose event is not a string, a key bound to other instances, Baileys' numeric statuses
-- (github:WhiskeySockets/Baileys WAProto proto.WebMessageInfo.Status: ERROR 0, PENDING 1,
-- SERVER_ACK 2, DELIVERY_ACK 3, READ 4, PLAYED 5; Evolution API 2.3.7 passes them on as names, an
-- older one as numbers), an update with progress only (no error ACK call, nothing quarantined),
-- a batch over ackEventsPerCall items (every item in exactly one chunk: none lost, none twice), and
-- groups.upsert of a community parent never stored (nothing of the session's is removed for it),
-- its flags as sent (announce); groups.update of one known
-- group beside an unknown one and a community parent (each counted as what it is, no other group
-- touched).
begin;
select plan(16);

select from tests.make_campaign('wa_e7', 1001);
create temp table c as select max(id) as id from notification_campaigns;
create temp table lim as select internal.limit('ackEventsPerCall') as n;
grant select on c, lim to public;
select from tests.mark_sent((select id from c), 1, 1001, 'E7');
create function pg_temp.evolution(event jsonb, instance text, data jsonb) returns jsonb language sql as $$
  select jsonb_build_object('event', event, 'instance', instance, 'data', data,
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)
$$;
create function pg_temp.update(n int, status jsonb) returns jsonb language sql as $$
  select jsonb_build_object('keyId', format('E7%s', n), 'remoteJid', tests.jid(n), 'fromMe', true, 'status', status,
    'instanceId', '0f8fad5b-d9cb-469f-a165-70867728950e')
$$;

select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('5', 'wa_e7', pg_temp.update(1, '"ERROR"'))) ->> 'code',
  'invalid_body', 'an event that is not a string is invalid_body (the body quarantined)');
select is(current_setting('response.status', true), '400', '… with 400');

-- Numeric statuses: 3 is a delivery, 4 a read.
select is(api.evolution_webhook(pg_temp.evolution('"messages.update"', 'wa_e7', jsonb_build_array(pg_temp.update(2, '3'), pg_temp.update(3, '4'))))
    - 'event' - 'outcome',
  '{"errors": null, "progress": {"applied": 2, "unchanged": 0, "pending_match": 0, "quarantined": 0}, "ignored": 0}'::jsonb,
  'a messages.update with progress only: no error ACKs counted, two progress events applied');
select from tests.act_as_admin();
select is((select array_agg((delivered_at is not null, read_at is not null)::text order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid in (tests.jid(2), tests.jid(3))),
  array['(t,f)', '(t,t)'], 'status 3 is delivered only, 4 is read');
select is((select count(*)::int from message_error_quarantine), 1, '… and nothing was quarantined but the refused body');

-- One more error ACK than a call takes: two chunks, every item once.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('"messages.update"', 'wa_e7',
    (select jsonb_agg(pg_temp.update(i, '"ERROR"') order by i) from generate_series(1, (select n from lim) + 1) i))) -> 'errors',
  jsonb_build_object('applied', (select n from lim) + 1, 'duplicate', 0, 'pending_match', 0, 'quarantined', 0),
  'ackEventsPerCall + 1 error ACKs: all applied, none twice');
select from tests.act_as_admin();
select is((select count(*)::int from notification_campaign_groups where campaign_id = (select id from c) and status = 'failed'),
  (select n from lim) + 1, '… every row failed, the last included');

-- groups.upsert of a community parent the session never stored: not stored, nothing removed.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('"groups.upsert"', 'wa_e7', jsonb_build_array(jsonb_build_object(
    'id', tests.jid(5000), 'subject', 'Community', 'size', 3, 'isCommunity', true, 'isCommunityAnnounce', false))))
    -> 'groups' ->> 'removedParents', '0', 'a community parent never stored: no parent removed');
select from tests.act_as_admin();
select is((select count(*)::int from whatsapp_groups where session_id = 'wa_e7'), 1001, '… and the session keeps all its groups');

select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('"groups.upsert"', 'wa_e7', jsonb_build_array(jsonb_build_object(
    'id', tests.jid(5001), 'subject', 'Announcements', 'announce', true)))) -> 'groups' ->> 'upserted', '1',
  'groups.upsert of an announcement group without size nor participants is stored');
select from tests.act_as_admin();
select is((select (name, announce, participant_count)::text from whatsapp_groups where session_id = 'wa_e7' and group_jid = tests.jid(5001)),
  '(Announcements,t,0)', '… with announce as sent, no participants counted');
select from tests.act_as('gateway');
select is((api.evolution_webhook(pg_temp.evolution('"groups.update"', 'wa_e7', jsonb_build_array(
    jsonb_build_object('id', tests.jid(2), 'subject', 'Renamed'), jsonb_build_object('id', tests.jid(6000), 'subject', 'Unknown'),
    jsonb_build_object('id', tests.jid(6001), 'subject', 'Parent', 'isCommunity', true)))) -> 'groups') - 'quarantined',
  '{"upserted": 0, "updated": 1, "removedParents": 0, "skippedParents": 1, "ignored": 1}'::jsonb,
  'groups.update: the known group updated, the unknown one ignored, the community parent skipped');
select from tests.act_as_admin();
select is((select array_agg(name::text order by group_jid) from whatsapp_groups where session_id = 'wa_e7' and group_jid in (tests.jid(1), tests.jid(2))),
  (select array[name::text, 'Renamed'] from whatsapp_groups where session_id = 'wa_e7' and group_jid = tests.jid(1)),
  '… and only that group was renamed');

-- A key bound to other instances: refused whole, nothing stored.
select from internal.create_api_key('wak_test_e7_scoped_0123456789abcdef0123456789abcde', 'gateway', 't-e7', array['wa_e7x']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_e7_scoped_0123456789abcdef0123456789abcde"}', '/rpc/evolution_webhook');
select from internal.pre_request();
select is(api.evolution_webhook(pg_temp.evolution('"messages.update"', 'wa_e7', jsonb_build_array(pg_temp.update(1001, '"READ"'))))
  ->> 'code', 'session_not_allowed', 'a key bound to another instance cannot post for this one');
select is(current_setting('response.status', true), '403', '… with 403');
select from tests.act_as_admin();
select is((select read_at from notification_campaign_groups where campaign_id = (select id from c) and group_jid = tests.jid(1001)), null,
  '… and its update changed nothing');

select * from finish();
rollback;
