-- CRM: schedule_campaign schedules a draft (scheduled: true) and puts a scheduled campaign back to
-- draft (false); anything else is 409 invalid_transition, and a body without a boolean is 422.
begin;
select plan(6);

select from tests.make_campaign('wa_s', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

select from tests.act_as('crm');
select is(api.schedule_campaign(jsonb_build_object('campaignId', (select id from c), 'scheduled', true)),
  jsonb_build_object('campaignId', (select id from c), 'status', 'scheduled', 'campaign',
    jsonb_build_object('totalGroups', 2, 'pendingCount', 2, 'sentCount', 0, 'failedCount', 0, 'cancelledCount', 0,
                       'scheduledAt', null, 'sendBefore', null, 'pausedAt', null)),
  'a draft is scheduled (answered with the campaign summary, the same as cancel''s)');
select is((select status::text from api.campaigns where id = (select id from c)), 'scheduled', '… and stored so');
select is(api.schedule_campaign(jsonb_build_object('campaignId', (select id from c), 'scheduled', false)) ->> 'status',
  'draft', 'scheduled: false puts it back to draft');
select is(tests.api_error(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": false}')$$, (select id from c))) ->> 'code',
  'invalid_transition', 'a draft cannot be unscheduled');
select is(tests.api_error(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": "yes"}')$$, (select id from c))) ->> 'code',
  'invalid_scheduled', 'scheduled must be a boolean');
select from tests.mark_sent((select id from c), 1, 1);
select is(tests.api_error(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": true}')$$, (select id from c))) ->> 'code',
  'invalid_transition', 'a campaign that is sending cannot be scheduled');

select * from finish();
rollback;
