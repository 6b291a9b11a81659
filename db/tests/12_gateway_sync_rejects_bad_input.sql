-- Gateway: every malformed sync is refused with a stable code and status, and changes nothing.
begin;
select plan(15);

select from tests.sync_n('wa_a', 2);
create temp table snapshot as select * from whatsapp_groups;

select from tests.act_as('gateway');
select is(tests.api_error($$select api.sync_groups('[1, 2]')$$) ->> 'code', 'invalid_body', 'body not an object');
select is((tests.api_error($$select api.sync_groups('[1, 2]')$$) ->> 'status')::int, 400, '… is a 400');
select is(tests.api_error($$select api.sync_groups('{"groups": []}')$$) ->> 'code', 'invalid_session_id', 'missing sessionId');
select is(tests.api_error($$select api.sync_groups('{"sessionId": " ", "groups": []}')$$) ->> 'code', 'invalid_session_id', 'empty sessionId');
select is((tests.api_error($$select api.sync_groups('{"sessionId": 5, "groups": []}')$$) ->> 'status')::int, 422, 'a wrong-typed sessionId is a 422');
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_a", "groups": {}}')$$) ->> 'code', 'invalid_groups', 'groups not an array');
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_a"}')$$) ->> 'code', 'invalid_groups', 'groups missing');
select is(
  tests.api_error(format($$select api.sync_groups('{"sessionId": "wa_a", "groups": [%s, {"id": "5511999@s.whatsapp.net"}]}')$$,
    tests.group_json(1))) -> 'details',
  '{"index": 1, "field": "id"}'::jsonb, 'a group without a valid group JID is named by index');
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_a", "groups": [{"subject": "x"}]}')$$) ->> 'code',
  'invalid_group_jid', 'a group without id');
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_a", "groups": [7]}')$$) ->> 'code',
  'invalid_group', 'a group that is not an object');
select is(
  tests.api_error(format($$select api.sync_groups('{"sessionId": "wa_a", "groups": [%s, %s]}')$$,
    tests.group_json(1), tests.group_json(1))) -> 'details',
  jsonb_build_object('groupJid', tests.jid(1), 'indexes', jsonb_build_array(0, 1)), 'the same JID twice');
select is(
  tests.api_error(format($$select api.sync_groups('{"sessionId": "wa_a", "groups": [%s]}')$$,
    tests.group_json(1, null, '{"isCommunity": "yes"}'))) -> 'details',
  jsonb_build_object('index', 0, 'field', 'isCommunity'), 'a flag of the wrong type is named');
select is(
  tests.api_error(format($$select api.sync_groups('{"sessionId": "wa_a", "groups": [%s]}')$$,
    tests.group_json(1, null, '{"size": -3}'))) ->> 'code', 'invalid_group_field', 'a negative size');
select is(
  (tests.api_error($$select api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
     (select jsonb_agg(jsonb_build_object('id', tests.jid(i))) from generate_series(1, 100001) i)))$$) ->> 'status')::int,
  413, 'more than 100,000 groups is a 413');
select from tests.act_as_admin();

select set_eq('select * from whatsapp_groups', 'select * from snapshot', 'no rejected call changed any group');

select * from finish();
rollback;
