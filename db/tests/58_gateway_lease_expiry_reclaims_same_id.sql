-- Gateway: a claimed row not reported by leaseUntil is claimable again with the same messageId; a
-- result reported after its lease ended is recorded once (a repeat, or the next claimer's report
-- of the same id, is unchanged); a gateway reports with record_message_sent, for its sessions only,
-- and a gateway that got another id (WAHA, Evolution API) reports that one: ACKs match it.
begin;
select plan(11);

select from tests.make_campaign('wa_l', 2, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
update session_dispatch set rate_per_minute = 120, jitter_seconds = 0, lease_seconds = 1 where session_id = 'wa_l';

select from tests.act_as('gateway');
create temp table first_claim as select s from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_l", "max": 1}') -> 'sends') s;
select from tests.act_as_admin();
-- The lease ends (as if time passed): rewind it.
update notification_campaign_groups set lease_until = now() - interval '1 millisecond'
where session_id = 'wa_l' and group_jid = tests.jid(1);
select from tests.act_as('gateway');
create temp table second_claim as select s from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_l", "max": 1}') -> 'sends') s;
select is((select s ->> 'groupJid' from second_claim), tests.jid(1), 'after its lease ends, the row is claimed again');
select is((select s ->> 'messageId' from second_claim), (select s ->> 'messageId' from first_claim), '… with the same message id');
select from tests.act_as_admin();
select is((select claim_count from notification_campaign_groups where session_id = 'wa_l' and group_jid = tests.jid(1)), 2,
  '… and the row counts two claims');
update notification_campaign_groups set lease_until = now() - interval '1 millisecond'
where session_id = 'wa_l' and group_jid = tests.jid(1);

-- The first claimer reports late (lease over): recorded; the second reports the same id: unchanged.
select from tests.act_as('gateway');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', (select s ->> 'messageId' from first_claim))))) ->> 'sent', '1',
  'a result after the lease ended is recorded');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', (select s ->> 'messageId' from second_claim))))) ->> 'unchanged', '1',
  '… once: the other claimer''s report of the same id changes nothing');
select from tests.act_as_admin();
select is((select sent_count from notification_campaigns where id = (select id from c)), 1, '… and the totals count it once');
select is((select lease_until from notification_campaign_groups where session_id = 'wa_l' and group_jid = tests.jid(1)), null,
  'a settled row holds no lease');
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_l"}') -> 'sends'), 1, 'a sent row is never claimed again: only the other one');

-- A gateway that could not choose the id reports the one it got: kept as message_id, beside the
-- assigned one, and an error ACK for it applies.
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'true_' || tests.jid(2) || '_WAHAID2')))) ->> 'sent', '1',
  'a WAHA-style id is recorded');
select is(api.record_message_error('{"sessionId": "wa_l", "messageId": "WAHAID2", "errorCode": 420}') -> 'results' -> 0 ->> 'outcome',
  'applied', '… and an error ACK for the id actually sent applies');

-- A key bound to other sessions cannot report for this one.
select from tests.act_as_admin();
select from internal.create_api_key('wak_test_dispatch_scoped_0123456789abcdef01234567', 'gateway', 't-dispatch', array['wa_other']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_dispatch_scoped_0123456789abcdef01234567"}', '/rpc/record_message_sent');
select from internal.pre_request();
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "X1"}]}')$$,
  (select id from c), tests.jid(1))) ->> 'code', 'session_not_allowed', 'a gateway key of other sessions cannot report for this one');

select * from finish();
rollback;
