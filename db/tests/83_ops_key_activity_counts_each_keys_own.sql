-- Ops: api.key_activity counts, per API key, what that key did and nothing another key did (error
-- ACKs, delivery progress, quarantined bodies, campaigns), zeros for a key that did nothing, and
-- its last_seen_at is the latest of its activities. (Found by generated mutants: no file read the
-- view, so counts of every key, or of the others, and the earliest activity all lived.)
begin;
select plan(4);

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
select from tests.act_as_admin();

select * from finish();
rollback;
