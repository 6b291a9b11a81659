-- Gateway: a sync stores announcement, sub- and ordinary groups, never community parents,
-- and removes a parent stored by an earlier sync. Identity is the JID, never the subject.
begin;
select plan(14);

select from tests.act_as('gateway');
select is(
  api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups', jsonb_build_array(
    tests.group_json(1, 'Community X', '{"isCommunity": true}'),
    tests.group_json(2, 'Community X', jsonb_build_object('isCommunityAnnounce', true, 'linkedParent', tests.jid(1))),
    tests.group_json(3, 'Sub group', jsonb_build_object('linkedParent', tests.jid(1), 'isCommunity', false)),
    tests.group_json(4, 'Plain', '{"size": 57}'),
    -- no flags at all, no subjectTime: a missing flag means false
    jsonb_build_object('id', tests.jid(5), 'subject', 'Bare')
  ))) - 'sessionId',
  '{"inserted": 4, "updated": 0, "unchanged": 0, "reactivated": 0, "deactivated": 0,
    "skippedParents": 1, "removedParents": 0, "total": 5}'::jsonb,
  'first sync: four groups stored, one parent skipped');
select from tests.act_as_admin();

select is((select count(*)::int from whatsapp_groups where group_jid = tests.jid(1)), 0, 'the parent is not stored');
select is((select name from whatsapp_groups where group_jid = tests.jid(2)), 'Community X',
  'the announcement group with the parent''s subject is stored');
select ok((select is_community_announce from whatsapp_groups where group_jid = tests.jid(2)), 'isCommunityAnnounce kept');
select is((select linked_parent_jid::text from whatsapp_groups where group_jid = tests.jid(2)), tests.jid(1), 'linkedParent kept');
select is((select linked_parent_jid::text from whatsapp_groups where group_jid = tests.jid(3)), tests.jid(1),
  'a subgroup linked to the same parent is stored');
select is((select participant_count from whatsapp_groups where group_jid = tests.jid(4)), 57, 'size wins over participants');
select is((select participant_count from whatsapp_groups where group_jid = tests.jid(3)), 2,
  'without size, the participant count is participants.length');
select is((select (is_community, is_community_announce, announce, participant_count)::text
           from whatsapp_groups where group_jid = tests.jid(5)), '(f,f,f,0)', 'missing flags mean false');
select set_eq($$select group_jid from api.sendable_groups where session_id = 'wa_a'$$,
  array[tests.jid(2), tests.jid(3), tests.jid(4), tests.jid(5)], 'sendable groups: everything but the parent');

-- An older gateway stored group 6 without flags; it now reports it as a community parent.
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups',
  (select jsonb_agg(tests.group_json(i)) from generate_series(2, 6) i)));
select from tests.act_as('gateway');
select is(
  (api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups', jsonb_build_array(
     tests.group_json(2), tests.group_json(3), tests.group_json(4), tests.group_json(5),
     tests.group_json(6, null, '{"isCommunity": true}'))))
   -> 'removedParents')::int,
  1, 'a parent stored by an earlier sync is removed');
select from tests.act_as_admin();
select is((select count(*)::int from whatsapp_groups where group_jid = tests.jid(6)), 0, 'the removed parent is gone');

-- Another session's row with the same JID is never touched.
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_b', 'groups', jsonb_build_array(tests.group_json(6))));
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups', jsonb_build_array(
  tests.group_json(6, null, '{"isCommunity": true}'))));
select is((select count(*)::int from whatsapp_groups where group_jid = tests.jid(6) and session_id = 'wa_b'), 1,
  'removing a parent in one session leaves the other session''s row');
select throws_ok($$insert into whatsapp_groups (session_id, group_jid, is_community) values ('x', '120363000000000099@g.us', true)$$,
  '23514', null, 'the table itself refuses a community parent');

select * from finish();
rollback;
