-- Ops: the read views show exactly what they say. api.key_activity: per API key, what that key did
-- and nothing another key did (error ACKs, delivery progress, quarantined bodies, campaigns), zeros
-- for a key that did nothing, its last_seen_at the latest of its activities, its key_prefix the
-- key's first 12 characters. api.error_codes: the failed rows only, per campaign, session and code.
-- api.quarantine: a body's preview is its first 500 characters.
-- (Found by generated mutants: no file read key_activity, so counts of every key or of the others
-- and the earliest activity lived; error_codes counting the rows that did not fail, a preview of
-- 501 characters lived too.)
begin;
select plan(8);

select from internal.create_api_key('wak_test_ka_gw1_0123456789abcdef0123456789abcdef', 'gateway', 'ka-gw1');
select from internal.create_api_key('wak_test_ka_gw2_0123456789abcdef0123456789abcdef', 'gateway', 'ka-gw2');
select from internal.create_api_key('wak_test_ka_crm_0123456789abcdef0123456789abcdef', 'crm', 'ka-crm');
create temp table k as select label, id from internal.api_keys where label like 'ka-%';
grant select on k to public;

-- ka-gw1: two error ACKs (3 and 4 hours ago), one progress entry (1 hour ago), one quarantined body
-- (2 hours ago). ka-crm: one campaign (5 hours ago). ka-gw2: nothing.
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, api_key_id) values
  ('wa_ka', 'KA1', '{}', 'pending_match', now() - interval '3 hours', (select id from k where label = 'ka-gw1')),
  ('wa_ka', 'KA2', '{}', 'pending_match', now() - interval '4 hours', (select id from k where label = 'ka-gw1'));
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at, api_key_id) values
  ('wa_ka', 'KA1', now(), now() - interval '1 hour', now() - interval '1 hour', (select id from k where label = 'ka-gw1'));
insert into message_error_quarantine (code, reason, raw, received_at, api_key_id) values
  ('invalid_body', 'r', '{}', now() - interval '2 hours', (select id from k where label = 'ka-gw1'));
select from tests.make_campaign('wa_ka', 1);
update notification_campaigns set api_key_id = (select id from k where label = 'ka-crm'), created_at = now() - interval '5 hours'
where id = (select max(id) from notification_campaigns);

select from tests.act_as('ops');
select is((select (error_acks, progress_messages, quarantined, campaigns)::text from api.key_activity where label = 'ka-gw1'),
  '(2,1,1,0)', 'the gateway key: its two ACKs, its progress, its quarantined body, no campaign');
select is((select (error_acks, progress_messages, quarantined, campaigns, last_seen_at)::text from api.key_activity where label = 'ka-gw2'),
  '(0,0,0,0,)', 'a key that did nothing: zeros, never seen');
select is((select (error_acks, progress_messages, quarantined, campaigns)::text from api.key_activity where label = 'ka-crm'),
  '(0,0,0,1)', 'the CRM key: its campaign');
select is((select array_agg(extract(epoch from now() - last_seen_at) / 3600 order by label) from api.key_activity where label like 'ka-%'),
  array[5, 1, null]::numeric[], 'last seen: each key''s latest activity');
select is((select key_prefix::text from api.key_activity where label = 'ka-gw1'), 'wak_test_ka_', 'the key prefix: its first 12 characters');
select from tests.act_as_admin();

-- A campaign of three rows: one failed with 420, one with 463, one sent.
select from tests.make_campaign('wa_ec', 3);
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'EC1'), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420),
  jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 463))));
select from tests.act_as('ops');
select is((select array_agg((error_code, failures)::text order by error_code) from api.error_codes where session_id = 'wa_ec'),
  array['(420,1)', '(463,1)'], 'error_codes: one line per code of the failed rows');
select is((select count(*)::int from api.error_codes where session_id = 'wa_ec' and error_code is null), 0, '… none for the row that was sent');
select from tests.act_as_admin();

select from tests.act_as_admin();
insert into message_error_quarantine (code, reason, raw) values ('invalid_body', 'long', jsonb_build_object('x', repeat('y', 600)));
select from tests.act_as('ops');
select is((select preview from api.quarantine where reason = 'long'), left(jsonb_build_object('x', repeat('y', 600))::text, 500),
  'quarantine: the preview is the body''s first 500 characters');
select from tests.act_as_admin();

select * from finish();
rollback;
