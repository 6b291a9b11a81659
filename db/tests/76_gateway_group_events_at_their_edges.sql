-- Gateway (Evolution API): group events (internal.upsert_groups) at their edges, what pgTAP 16, 45
-- and 67 do not vary: groups.upsert of a stored group that became a community parent removes it
-- from that session only (the session's other groups and another session's group of that JID stay),
-- stores each flag as sent (isCommunityAnnounce, announce, linkedParent), takes size before the
-- participants' count, and clears the unsendable marks of its own session only; groups.update
-- changes each field it carries of the session's known groups (none of a group it does not carry,
-- none of another session's); an invalid entry is quarantined as an Evolution body of its own event.
-- (Bodies in Evolution's webhook envelope, as pgTAP 67 builds them: groups.upsert carries whole
-- Baileys GroupMetadata; groups.update, partial, is what upsert_groups takes as partial.)
begin;
select plan(13);

select from tests.sync_n('wa_u76', 3);
select from tests.sync_n('wa_u76b', 2);
insert into group_unsendable_marks (session_id, group_jid, code)
select s, tests.jid(2), 420 from unnest(array['wa_u76', 'wa_u76b']) s;
create function pg_temp.evolution(event text, instance text, data jsonb) returns jsonb language sql as $$
  select jsonb_build_object('event', event, 'instance', instance, 'data', data,
    'destination', 'https://crm.example/rpc/evolution_webhook', 'date_time', '2026-11-25T09:00:00.000Z',
    'sender', '5511999999999@s.whatsapp.net', 'server_url', 'https://evolution.example', 'apikey', null)
$$;
create function pg_temp.stored(session text, n integer) returns text language sql as $$
  select (name, participant_count, is_community_announce, linked_parent_jid, announce)::text from whatsapp_groups
  where session_id = session and group_jid = tests.jid(n)
$$;

-- groups.upsert: group 1 is a community parent now; group 2 reported whole again; 4 an announcement
-- group with size and participants; 5 participants only; an entry without a group JID.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('groups.upsert', 'wa_u76', jsonb_build_array(
    tests.group_json(1, 'Community', '{"isCommunity": true}'),
    tests.group_json(2),
    jsonb_build_object('id', tests.jid(4), 'subject', 'Announcements', 'size', 7, 'isCommunityAnnounce', true, 'announce', true,
      'linkedParent', tests.jid(1), 'participants', jsonb_build_array(jsonb_build_object('id', '5511900000001@s.whatsapp.net'))),
    jsonb_build_object('id', tests.jid(5), 'subject', 'Five', 'participants',
      (select jsonb_agg(jsonb_build_object('id', format('55119000000%s@s.whatsapp.net', i))) from generate_series(10, 12) i)),
    jsonb_build_object('subject', 'no id')))) -> 'groups',
  '{"upserted": 3, "updated": 0, "removedParents": 1, "skippedParents": 1, "ignored": 0, "quarantined": 1}'::jsonb,
  'groups.upsert: three stored, the stored parent removed, the bad entry quarantined');
select from tests.act_as_admin();
select is((select array_agg(session_id || ' ' || right(group_jid, 9) order by session_id, group_jid) from whatsapp_groups
           where session_id in ('wa_u76', 'wa_u76b')),
  array['wa_u76 0002@g.us', 'wa_u76 0003@g.us', 'wa_u76 0004@g.us', 'wa_u76 0005@g.us', 'wa_u76b 0001@g.us', 'wa_u76b 0002@g.us'],
  'the parent is gone from its session only; every other group stays');
select is(pg_temp.stored('wa_u76', 4), format('(Announcements,7,t,%s,t)', tests.jid(1)),
  'an announcement group is stored with its flags as sent, size before the participants'' count');
select is(pg_temp.stored('wa_u76', 5), '(Five,3,f,,f)', 'without size, the participants are counted');
select is((select array_agg(session_id::text) from group_unsendable_marks), array['wa_u76b'],
  'the whole report clears the mark of its own session''s group only');
select is((select raw ->> 'event' from message_error_quarantine where raw -> 'data' -> 0 ->> 'subject' = 'no id'), 'groups.upsert',
  'the bad entry is kept as a groups.upsert body of its own');

-- groups.update: group 2 changes every field; 3 carries none but its id; 4 a new linkedParent; 1 is not the session's
-- any more (another session's group of that JID); an entry with a negative size.
select from tests.act_as('gateway');
select is(api.evolution_webhook(pg_temp.evolution('groups.update', 'wa_u76', jsonb_build_array(
    jsonb_build_object('id', tests.jid(2), 'subject', 'Renamed', 'size', 9, 'isCommunityAnnounce', true,
      'linkedParent', tests.jid(9), 'announce', true),
    jsonb_build_object('id', tests.jid(3)),
    jsonb_build_object('id', tests.jid(4), 'linkedParent', tests.jid(8)),
    jsonb_build_object('id', tests.jid(1), 'subject', 'Elsewhere'),
    jsonb_build_object('id', tests.jid(6), 'size', -1)))) -> 'groups',
  '{"upserted": 0, "updated": 3, "removedParents": 0, "skippedParents": 0, "ignored": 1, "quarantined": 1}'::jsonb,
  'groups.update: the three known groups updated, the unknown one ignored, the bad entry quarantined');
select from tests.act_as_admin();
select is(pg_temp.stored('wa_u76', 2), format('(Renamed,9,t,%s,t)', tests.jid(9)), 'every field an update carries changes');
select is(pg_temp.stored('wa_u76', 3), '("Group 3",2,f,,f)', 'a field an update does not carry stays');
select is(pg_temp.stored('wa_u76', 4), format('(Announcements,7,t,%s,t)', tests.jid(8)), 'a new linkedParent replaces the stored one');
select is(pg_temp.stored('wa_u76b', 1), '("Group 1",2,f,,f)', 'another session''s group of that JID is untouched');
select is((select raw ->> 'event' from message_error_quarantine where raw -> 'data' -> 0 ->> 'id' = tests.jid(6)), 'groups.update',
  'the bad entry is kept as a groups.update body of its own');
select is((select count(*)::int from whatsapp_groups where session_id = 'wa_u76' and group_jid = tests.jid(6)), 0,
  '… and nothing is stored for it');

select * from finish();
rollback;
