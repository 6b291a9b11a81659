-- Gateway: sync_groups and its group rules (internal.group_problem) at their edges, what pgTAP 10-13
-- and 18 do not vary: every field of the wrong type is refused and named (a string "true" is not a
-- boolean), size at 0, 2^31-1 and just outside, a whole size written 5.0, linkedParent "" or a JID;
-- the hint for a bare list of groups (one is enough; none for an empty array or a scalar body), the
-- statuses of invalid_groups, a bad group and duplicate_group_jid (422), exactly groupsPerSync groups
-- are not too many (one more is 413, saying the limit); what is stored (size before the
-- participants' count, 0 without either, each flag as sent); and a sync clears the unsendable marks
-- of its own session's groups only.
begin;
select plan(14);

create temp table cap as select internal.limit('groupsPerSync') as n;
grant select on cap to public;
-- What a sync of the one group `g` answers: 'ok', or the refusal's status, code and field.
create function pg_temp.verdict(g jsonb) returns text language sql as $$
  select coalesce(e ->> 'status' || ' ' || (e ->> 'code') || ' ' || (e -> 'details' ->> 'field'), e::text, 'ok')
  from tests.api_error(format('select api.sync_groups(%L)', jsonb_build_object('sessionId', 'wa_g75', 'groups', jsonb_build_array(g)))) e
$$;

select from tests.act_as('gateway');
select is(
  (select array_agg(f || ': ' || pg_temp.verdict(tests.group_json(1) || jsonb_build_object(f, v)) order by f)
   from (values ('isCommunity', '"true"'::jsonb), ('isCommunityAnnounce', '"false"'), ('announce', '1'), ('restrict', '"yes"'),
                ('subject', '5'), ('linkedParent', 'true'), ('participants', '{"n": 2}'), ('size', '"7"')) t(f, v)),
  array['announce: 422 invalid_group_field announce', 'isCommunity: 422 invalid_group_field isCommunity',
        'isCommunityAnnounce: 422 invalid_group_field isCommunityAnnounce', 'linkedParent: 422 invalid_group_field linkedParent',
        'participants: 422 invalid_group_field participants', 'restrict: 422 invalid_group_field restrict',
        'size: 422 invalid_group_field size', 'subject: 422 invalid_group_field subject'],
  'each field of the wrong type is a 422 invalid_group_field naming it');
select is(
  (select array_agg(v::text || ': ' || pg_temp.verdict(tests.group_json(1) || jsonb_build_object('size', v)) order by n)
   from (values (1, '-1'::jsonb), (2, '0'), (3, '5.0'), (4, '5.5'), (5, '2147483647'), (6, '2147483648')) t(n, v)),
  array['-1: 422 invalid_group_field size', '0: ok', '5.0: ok', '5.5: 422 invalid_group_field size', '2147483647: ok',
        '2147483648: 422 invalid_group_field size'],
  'size: a whole number from 0 to 2^31-1 (5.0 is whole)');
select is(
  (select array_agg(pg_temp.verdict(tests.group_json(1) || jsonb_build_object('linkedParent', v)) order by n)
   from (values (1, '""'::jsonb), (2, to_jsonb(tests.jid(9))), (3, to_jsonb(repeat('j', 201))), (4, '"   "')) t(n, v)),
  array['ok', 'ok', '422 invalid_group_field linkedParent', '422 invalid_group_field linkedParent'],
  'linkedParent: "" (none) or a JID (at most 200 characters, not blank)');
select is(pg_temp.verdict(tests.group_json(1) || '{"subject": ""}'), 'ok', 'an empty subject is a subject');
select is(pg_temp.verdict(tests.group_json(1) || jsonb_build_object('subject', repeat('s', 5000))),
  '422 invalid_group_field subject', 'a subject longer than a group subject is refused');

-- Bodies that are not an object: a bare list of groups (even one) gets the hint; nothing else does.
select is(
  (select array_agg(b || ': ' || (e ->> 'status') || ' ' || (e ->> 'code') || ' ' || (e ->> 'hint' is not null)::text order by b)
   from (values ('[]'), ('"x"'), ('5'), ('[{"id": "120363000000000001@g.us"}]')) t(b)
   cross join lateral tests.api_error(format('select api.sync_groups(%L)', b)) e),
  array['"x": 400 invalid_body false', '5: 400 invalid_body false', '[]: 400 invalid_body false',
        '[{"id": "120363000000000001@g.us"}]: 400 invalid_body true'],
  'a bare list of one group gets the hint; an empty array and scalars are 400 invalid_body without it');
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_g75", "groups": {}}')$$) - 'message' - 'hint' - 'details',
  '{"status": 422, "code": "invalid_groups"}'::jsonb, 'groups not an array: 422 invalid_groups');

-- Exactly groupsPerSync groups pass the size check: the first bad group is what is refused.
select is(tests.api_error(format('select api.sync_groups(%L)',
    jsonb_build_object('sessionId', 'wa_g75', 'groups', (select jsonb_agg(5) from generate_series(1, (select n from cap)))))) - 'message' - 'hint',
  '{"status": 422, "code": "invalid_group", "details": {"index": 0, "field": "id"}}'::jsonb,
  'exactly groupsPerSync groups are not too many (422 for the first bad group, not 413)');
select is(tests.api_error(format('select api.sync_groups(%L)',
    jsonb_build_object('sessionId', 'wa_g75', 'groups', (select jsonb_agg(5) from generate_series(0, (select n from cap)))))) - 'hint' - 'details',
  jsonb_build_object('status', 413, 'code', 'too_many_groups',
    'message', format('At most %s groups per sync; got %s.', (select n from cap), (select n from cap) + 1)),
  '… one more is 413 too_many_groups, saying the limit');
select is(tests.api_error(format('select api.sync_groups(%L)', jsonb_build_object('sessionId', 'wa_g75', 'groups',
    jsonb_build_array(tests.group_json(1), tests.group_json(2), tests.group_json(1))))) - 'message' - 'hint',
  jsonb_build_object('status', 422, 'code', 'duplicate_group_jid', 'details', jsonb_build_object('groupJid', tests.jid(1), 'indexes', '[0, 2]'::jsonb)),
  'the same JID twice: 422 duplicate_group_jid, with its indexes');

-- What is stored: size before the participants' count, 0 without either, each flag as sent.
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_g75c', 'groups', jsonb_build_array(
  tests.group_json(1) || '{"size": 7}',
  tests.group_json(2) - 'participants',
  tests.group_json(3) || jsonb_build_object('isCommunityAnnounce', true, 'announce', true, 'linkedParent', tests.jid(9)))));
select from tests.act_as_admin();
select is((select array_agg((participant_count, is_community_announce, linked_parent_jid, announce)::text order by group_jid)
           from whatsapp_groups where session_id = 'wa_g75c'),
  array['(7,f,,f)', '(0,f,,f)', format('(2,t,%s,t)', tests.jid(9))],
  'sync stores size before the participants'' count, 0 without either, and each flag as sent');
select from tests.act_as('gateway');

-- The same group in two sessions, both marked unsendable by an error code: a sync of one session
-- that reports it clears that session's mark only.
select from tests.sync_n('wa_g75', 2);
select from tests.sync_n('wa_g75b', 2);
select from tests.act_as_admin();
insert into group_unsendable_marks (session_id, group_jid, code)
select s, tests.jid(1), 420 from unnest(array['wa_g75', 'wa_g75b']) s;
select from tests.act_as('gateway');
select is(tests.sync_n('wa_g75', 2) - 'sessionId', '{"inserted": 0, "updated": 0, "unchanged": 2, "reactivated": 0, "deactivated": 0,
  "skippedParents": 0, "removedParents": 0, "total": 2}'::jsonb, 'a repeated sync changes no group');
select from tests.act_as_admin();
select is((select array_agg(session_id::text order by session_id) from group_unsendable_marks), array['wa_g75b'],
  'the synced session''s mark is gone, the other session''s stays');
select from tests.act_as('crm');
select is((select array_agg(session_id || ' ' || group_jid order by session_id, group_jid) from api.sendable_groups
           where session_id in ('wa_g75', 'wa_g75b') and group_jid = tests.jid(1)),
  array['wa_g75 ' || tests.jid(1)], '… so the group is sendable again in that session only');

select * from finish();
rollback;
