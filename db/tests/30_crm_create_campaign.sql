-- CRM: a campaign over any number of sendable groups is one call; anything unsendable is refused
-- with its list, and a refused call creates nothing.
begin;
select plan(13);

select from tests.sync_n('wa_a', 1000);
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
  (select jsonb_agg(tests.group_json(i)) from generate_series(1, 999) i)
  || jsonb_build_array(tests.group_json(1001, null, '{"isCommunity": true}'))));  -- 1000 now inactive

select from tests.act_as('crm');
select is(
  api.create_campaign(jsonb_build_object('name', 'Black Friday', 'message', 'Hello!', 'sessionId', 'wa_a',
    'groupJids', (select jsonb_agg(tests.jid(i)) from generate_series(1, 999) i))) - 'campaignId',
  '{"totalGroups": 999, "status": "draft"}'::jsonb, 'a 999-group campaign in one call');
select is(
  (select (total_groups, pending_count, sent_count, failed_count, status)::text from api.campaigns),
  '(999,999,0,0,draft)', 'its totals are set by the trigger');
select is((select count(*)::int from api.campaign_groups where status = 'pending'), 999, 'one pending row per group');

select is(
  tests.api_error(format($$select api.create_campaign('{"name": "x", "message": "m", "sessionId": "wa_a",
    "groupJids": ["%s", "%s", "%s"]}')$$, tests.jid(1), tests.jid(1000), tests.jid(1001))) -> 'details',
  jsonb_build_object('count', 2, 'groupJids', jsonb_build_array(tests.jid(1000), tests.jid(1001))),
  'an inactive group and a community parent are refused, by name');
select is(
  tests.api_error(format($$select api.create_campaign('{"name": "x", "message": "m", "sessionId": "wa_zzz",
    "groupJids": ["%s"]}')$$, tests.jid(1))) ->> 'code', 'unsendable_groups', 'another session''s groups are refused');
select is(tests.api_error($$select api.create_campaign('"x"')$$) ->> 'status', '400', 'a body that is not an object is a 400');
select is(tests.api_error($$select api.create_campaign('{"message": "m", "sessionId": "wa_a", "groupJids": []}')$$) ->> 'code',
  'invalid_name', 'a missing name');
select is(tests.api_error($$select api.create_campaign('{"name": "n", "sessionId": "wa_a", "groupJids": []}')$$) ->> 'code',
  'invalid_message', 'a missing message');
select is(tests.api_error($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_a", "groupJids": []}')$$) ->> 'code',
  'empty_group_list', 'an empty list');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_a", "groupJids": ["%s", "%s"]}')$$,
  tests.jid(1), tests.jid(1))) ->> 'code', 'duplicate_group_jid', 'the same group twice');
select is(tests.api_error($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_a", "groupJids": [1]}')$$) ->> 'code',
  'invalid_group_jids', 'a JID that is not a string');
select is(tests.api_error($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_a", "status": "sending", "groupJids": ["1@g.us"]}')$$) ->> 'code',
  'invalid_status', 'only draft or scheduled may be asked for');
select is((select count(*)::int from api.campaigns), 1, 'refused calls created no campaign');

select * from finish();
rollback;
