-- CRM: a restricted session starts no campaign until the CRM clears its flag
-- (clear_session_restriction), which clears that session only.
begin;
select plan(6);

select from tests.sync_n('wa_x', 1);
select from tests.sync_n('wa_y', 1);
select from internal.flag_restricted_session('wa_x', 463);
select from internal.flag_restricted_session('wa_y', 463);

select from tests.act_as('crm');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_x", "groupJids": ["%s"]}')$$,
  tests.jid(1))) ->> 'code', 'session_restricted', 'a restricted session starts no campaign');
select is(api.clear_session_restriction('{"sessionId": "wa_x"}') - 'restrictedAt',
  '{"sessionId": "wa_x", "wasRestricted": true, "restrictedCode": 463}'::jsonb, 'its flag is cleared');
select is((select array_agg(session_id::text order by session_id) from api.sessions where restricted_at is not null), array['wa_y'],
  'the other session is still restricted');
select is(api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'wa_x', 'groupJids', jsonb_build_array(tests.jid(1))))
  ->> 'totalGroups', '1', 'the cleared session starts campaigns again');
select is(api.clear_session_restriction('{"sessionId": "wa_x"}') ->> 'wasRestricted', 'false', 'clearing twice changes nothing');
select is(tests.api_error($$select api.clear_session_restriction('{"sessionId": "wa_nobody"}')$$) ->> 'status', '404',
  'an unknown session is a 404');

select * from finish();
rollback;
