-- CRM: retry_failed_groups makes a new draft over a campaign's failed groups that can still be
-- targeted (only those with errorCodes, when given), skipping groups that left; nothing to retry
-- is 422.
begin;
select plan(6);

select from tests.make_campaign('wa_rt', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'errorCode', 420), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 500),
  jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 420), jsonb_build_object('groupJid', tests.jid(4), 'messageId', 'RT4'))));
select from tests.act_as_admin();
-- Group 3 left: the next sync no longer lists it.
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_rt', 'groups',
  jsonb_build_array(tests.group_json(1), tests.group_json(2), tests.group_json(4))));

select from tests.act_as('crm');
select is(api.retry_failed_groups(jsonb_build_object('campaignId', (select id from c), 'errorCodes', jsonb_build_array(420))) - 'campaignId',
  jsonb_build_object('totalGroups', 1, 'status', 'draft', 'retryOf', (select id from c), 'skipped', 1),
  'errorCodes [420]: the one 420 group still there; the one that left is skipped');
select is((select array_agg(group_jid::text) from api.campaign_groups where campaign_id = (select max(id) from api.campaigns)),
  array[tests.jid(1)], '… which is group 1');
select is(api.retry_failed_groups(jsonb_build_object('campaignId', (select id from c))) - 'campaignId',
  jsonb_build_object('totalGroups', 2, 'status', 'draft', 'retryOf', (select id from c), 'skipped', 1),
  'without errorCodes: every failed group still there');
select is((select name::text from api.campaigns where id = (select max(id) from api.campaigns)), 'test (retry)',
  'named after the campaign it retries');
select is(tests.api_error(format($$select api.retry_failed_groups('{"campaignId": %s, "errorCodes": [463]}')$$, (select id from c))) ->> 'code',
  'nothing_to_retry', 'no failed group with those codes: 422');
select is(tests.api_error(format($$select api.retry_failed_groups('{"campaignId": %s, "errorCodes": ["x"]}')$$, (select id from c))) ->> 'code',
  'invalid_error_code', 'errorCodes must be error codes');

select * from finish();
rollback;
