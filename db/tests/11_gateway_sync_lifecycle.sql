-- Gateway: groups dropped from a sync are marked inactive (not deleted), come back when seen
-- again; unchanged rows are not rewritten; other sessions are never touched.
begin;
select plan(15);

select from tests.sync_n('wa_a', 3);
select from tests.sync_n('wa_b', 3);  -- two sessions sharing the same groups

-- Second sync drops group 3.
select is(
  (api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
    jsonb_build_array(tests.group_json(1), tests.group_json(2)))) -> 'deactivated')::int,
  1, 'a group absent from the payload is deactivated');
select isnt((select inactive_since from whatsapp_groups where session_id = 'wa_a' and group_jid = tests.jid(3)), null,
  'the dropped group is kept, marked inactive');
select ok(not exists (select from api.sendable_groups where session_id = 'wa_a' and group_jid = tests.jid(3)),
  'an inactive group is not sendable');
select is((select inactive_since from whatsapp_groups where session_id = 'wa_b' and group_jid = tests.jid(3)), null,
  'the other session''s copy stays active');

-- Third sync brings it back, with a new subject.
select is(
  api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
    jsonb_build_array(tests.group_json(1), tests.group_json(2, 'Renamed'), tests.group_json(3)))) - 'sessionId',
  '{"inserted": 0, "updated": 1, "unchanged": 1, "reactivated": 1, "deactivated": 0,
    "skippedParents": 0, "removedParents": 0, "total": 3}'::jsonb,
  'a returning group is reactivated; a renamed one updated; the rest unchanged');
select is((select inactive_since from whatsapp_groups where session_id = 'wa_a' and group_jid = tests.jid(3)), null,
  'the returning group is active again');
select is((select name from whatsapp_groups where session_id = 'wa_a' and group_jid = tests.jid(2)), 'Renamed',
  'the subject change is stored');

-- A no-change sync writes no group row (same tuple locations before and after).
create temp table before_sync as select id, ctid::text as x from whatsapp_groups where session_id = 'wa_a';
select is(
  (api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
    jsonb_build_array(tests.group_json(1), tests.group_json(2, 'Renamed'), tests.group_json(3)))) -> 'unchanged')::int,
  3, 'a repeated sync reports every group unchanged');
select set_eq('select id, ctid::text as loc from whatsapp_groups where session_id = ''wa_a''', 'select id, x from before_sync',
  'and rewrites none of them');
select isnt((select last_synced_at from whatsapp_sessions where session_id = 'wa_a'), null,
  'the session records when it last synced');

-- An empty list is refused unless the caller means it: one transient empty fetch must not make
-- the whole account unsendable.
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_a", "groups": []}')$$) ->> 'code',
  'empty_group_list', 'an empty list is refused without allowEmpty');
select is((tests.api_error($$select api.sync_groups('{"sessionId": "wa_a", "groups": [], "allowEmpty": false}')$$) ->> 'status')::int,
  422, '… with a 422, also with allowEmpty false');
select is((select count(*)::int from whatsapp_groups where session_id = 'wa_a' and inactive_since is null), 3,
  '… and deactivates nothing');
select is((api.sync_groups('{"sessionId": "wa_a", "groups": [], "allowEmpty": true}') -> 'deactivated')::int, 3,
  'with allowEmpty: true an empty list deactivates the session''s groups');
select is((select count(*)::int from whatsapp_groups where session_id = 'wa_b' and inactive_since is null), 3,
  'and leaves the other session alone');

select * from finish();
rollback;
