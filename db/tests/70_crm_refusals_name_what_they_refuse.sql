-- CRM: a refusal of record_message_sent names the groups it refuses, wherever they are in the
-- batch (the first 100 of them, and how many in all), and a call changes only the campaign it
-- names: scheduling one draft leaves the session's other draft as it was.
-- (Before: the sample kept the refused groups among the first 100 *sends*, so a batch of 150 with
-- only its last group unknown was refused with `"groupJids": null`.)
begin;
select plan(7);

select from tests.make_campaign('wa_rn', 150);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 150, 'RN');

select from tests.act_as('crm');
-- 101 groups outside the campaign: all counted, 100 named.
select is((select e -> 'details' from tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId',
    (select id from c), 'sends', (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(1000 + i), 'messageId', 'X' || i) order by i)
                                  from generate_series(1, 101) i)))) e),
  jsonb_build_object('count', 101, 'groupJids', (select jsonb_agg(tests.jid(1000 + i) order by i) from generate_series(1, 100) i)),
  'unknown_campaign_groups: 101 counted, the first 100 named');
-- 150 sends, only the last outside the campaign.
select is((select e -> 'details' from tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId',
    (select id from c), 'sends', (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(case when i = 150 then 2000 else i end),
                                                                      'messageId', 'RN' || i) order by i)
                                  from generate_series(1, 150) i)))) e),
  jsonb_build_object('count', 1, 'groupJids', jsonb_build_array(tests.jid(2000))),
  'unknown_campaign_groups: the one unknown group is named, though it is the 150th send');
-- 150 sends repeated, only the last with another message id.
select is((select e -> 'details' from tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId',
    (select id from c), 'sends', (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i),
                                                                      'messageId', case when i = 150 then 'OTHER' else 'RN' || i end) order by i)
                                  from generate_series(1, 150) i)))) e),
  jsonb_build_object('count', 1, 'rows', jsonb_build_array(jsonb_build_object('groupJid', tests.jid(150), 'status', 'sent', 'messageId', 'RN150'))),
  'send_conflict: the one conflicting row is named, though it is the 150th send');

-- schedule_campaign changes its campaign only.
select from tests.act_as_admin();
select from tests.make_campaign('wa_rs', 2);
select from tests.make_campaign('wa_rs', 2);
create temp table d as select array_agg(id order by id) as ids from notification_campaigns where session_id = 'wa_rs';
grant select on d to public;
select from tests.act_as('crm');
select is(api.schedule_campaign(jsonb_build_object('campaignId', (select ids[2] from d), 'scheduled', true,
    'at', now() + interval '1 hour', 'sendBefore', now() + interval '2 hours')) ->> 'status', 'scheduled', 'the second draft is scheduled');
select is((select (status, scheduled_at, send_before)::text from notification_campaigns where id = (select ids[1] from d)),
  '(draft,,)', 'the session''s other draft is untouched');
select is(api.schedule_campaign(jsonb_build_object('campaignId', (select ids[2] from d), 'scheduled', false)) ->> 'status', 'draft',
  'unscheduled again');
select is((select array_agg(status::text order by id) from notification_campaigns where session_id = 'wa_rs'), array['draft', 'draft'],
  '… and the other still a draft');

select * from finish();
rollback;
