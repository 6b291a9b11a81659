-- CRM: cancel_campaign cancels the groups not yet sent (never the sent or failed ones), makes the
-- campaign cancelled for good, and refuses what cannot be cancelled; a send for a cancelled group
-- is refused.
begin;
select plan(11);

select from tests.make_campaign('wa_c', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'C1'), jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420))));

select is(api.cancel_campaign(jsonb_build_object('campaignId', (select id from c))),
  jsonb_build_object('campaignId', (select id from c), 'status', 'cancelled', 'cancelledGroups', 2, 'campaign',
    jsonb_build_object('totalGroups', 4, 'pendingCount', 0, 'sentCount', 1, 'failedCount', 1, 'cancelledCount', 2,
                       'scheduledAt', null, 'sendBefore', null, 'pausedAt', null)),
  'the two pending groups are cancelled; the counts say so');
select is((select array_agg(status::text order by group_jid) from api.campaign_groups where campaign_id = (select id from c)),
  array['sent', 'failed', 'cancelled', 'cancelled'], 'the sent and the failed group keep their results');
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "C3"}]}')$$,
    (select id from c), tests.jid(3))) ->> 'code', 'campaign_cancelled', 'a send for a cancelled group is refused');
select is(tests.api_error(format($$select api.cancel_campaign('{"campaignId": %s}')$$, (select id from c))) ->> 'code',
  'invalid_transition', 'a cancelled campaign cannot be cancelled again');
select is(tests.api_error($$select api.cancel_campaign('{"campaignId": 999999}')$$) ->> 'status', '404', 'an unknown campaign is a 404');
select is(tests.api_error($$select api.cancel_campaign('{"campaignId": "x"}')$$) ->> 'code', 'invalid_campaign_id', 'a campaign id that is not one');
select from tests.act_as_admin();
select isnt((select finished_at from notification_campaigns where id = (select id from c)), null, 'a cancelled campaign is finished');

-- A late error on its sent group: still cancelled, the failure counted.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_c", "messageId": "C1", "errorCode": 420}');
select from tests.act_as_admin();
select is((select (status, failed_count)::text from notification_campaigns where id = (select id from c)), '(cancelled,2)',
  'a late error leaves it cancelled and counts the failure');
select ok(tests.totals_match((select id from c)), 'totals equal the row counts');

-- A draft is cancelled whole; a completed campaign cannot be.
select from tests.make_campaign('wa_d', 2);
select from tests.act_as('crm');
select is(api.cancel_campaign(jsonb_build_object('campaignId', (select max(id) from notification_campaigns))) ->> 'cancelledGroups', '2',
  'a draft is cancelled whole');
select from tests.act_as_admin();
select from tests.make_campaign('wa_e', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'DONE');
select from tests.act_as('crm');
select is(tests.api_error(format($$select api.cancel_campaign('{"campaignId": %s}')$$, (select max(id) from notification_campaigns))) ->> 'code',
  'invalid_transition', 'a completed campaign cannot be cancelled');

select * from finish();
rollback;
