-- CRM: send results mark rows sent or failed, are idempotent, refuse contradictions, and drive
-- the campaign status (including a late error on a completed campaign).
begin;
select plan(16);

select from tests.make_campaign('wa_a', 3, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;  -- read while acting as other roles

select from tests.act_as('crm');
select is(
  api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'M1'),
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 463, 'errorMessage', 'not allowed')))) -> 'campaign',
  '{"status": "sending", "totalGroups": 3, "pendingCount": 1, "sentCount": 1, "failedCount": 1}'::jsonb,
  'one sent, one failed at send time: the campaign is sending');
select is(
  api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'M1'),
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 463, 'errorMessage', 'not allowed')))) ->> 'unchanged',
  '2', 'repeating the same results changes nothing');
select is(
  tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "errorCode": 420}]}')$$,
    (select id from c), tests.jid(2))) ->> 'code', 'send_conflict', 'another send-time error for a failed row is a conflict');
select is(
  tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "OTHER"}]}')$$,
    (select id from c), tests.jid(1))) ->> 'code', 'send_conflict', 'a different message id for a sent row is a conflict');
select is(
  (tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "M1"}]}')$$,
    (select id from c), tests.jid(3))) ->> 'status')::int, 409, 'a message id already used by another row is a 409');
select is(
  tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "X"}]}')$$,
    (select id from c), tests.jid(77))) ->> 'code', 'unknown_campaign_groups', 'a group outside the campaign');
select is(tests.api_error($$select api.record_message_sent('{"campaignId": 999999, "sends": [{"groupJid": "120363000000000001@g.us", "messageId": "X"}]}')$$) ->> 'status',
  '404', 'an unknown campaign is a 404');
select is(tests.api_error($$select api.record_message_sent('{"campaignId": 1, "sends": [{"groupJid": "120363000000000001@g.us"}]}')$$) ->> 'code',
  'invalid_sends', 'a send with neither messageId nor error');
select is(tests.api_error($$select api.record_message_sent('{"campaignId": 1, "sends": [{"groupJid": "120363000000000001@g.us", "messageId": "A", "errorCode": 1}]}')$$) ->> 'code',
  'invalid_sends', 'a send with both');
select is(tests.api_error($$select api.record_message_sent('{"campaignId": "1", "sends": []}')$$) ->> 'code',
  'invalid_campaign_id', 'a campaign id that is not a number');
select is(
  tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "M3"}, {"groupJid": "%s", "messageId": "M3"}]}')$$,
    (select id from c), tests.jid(3), tests.jid(1))) ->> 'code', 'duplicate_message_id', 'one message id for two groups');

select is(
  api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(3), 'messageId', 'M3')))) -> 'campaign' ->> 'status',
  'partial_failure', 'none pending, one failed: partial_failure');
select from tests.act_as_admin();

-- A campaign whose sends all succeeded, then a late error.
select from tests.make_campaign('wa_b', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'B');
select is((select status from notification_campaigns order by id desc limit 1), 'completed', 'all sent: completed');
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_b", "messageId": "B2", "errorCode": 420}');
select from tests.act_as_admin();
select is((select status from notification_campaigns order by id desc limit 1), 'partial_failure',
  'a late error turns completed into partial_failure');
select ok(tests.totals_match((select id from c)), 'first campaign: totals equal row counts');
select ok(tests.totals_match((select max(id) from notification_campaigns)), 'second campaign: totals equal row counts');

select * from finish();
rollback;
