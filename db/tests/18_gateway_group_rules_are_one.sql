-- Gateway: one set of group rules (issue 25.1). A group the list sync refuses (api.sync_groups,
-- 422 with a code) is the group the webhooks' group events quarantine with the same code
-- (internal.upsert_groups, Evolution groups.upsert / groups.update), and a group one accepts the
-- other accepts: both read internal.group_problem.
begin;
select plan(8);

create temp table bad (n integer, g jsonb);
insert into bad values
  (1, '7'), (2, '{"subject": "no id"}'), (3, '{"id": "5511999@s.whatsapp.net"}'),
  (4, jsonb_build_object('id', tests.jid(1), 'isCommunity', 'yes')),
  (5, jsonb_build_object('id', tests.jid(1), 'isCommunityAnnounce', 1)),
  (6, jsonb_build_object('id', tests.jid(1), 'announce', 'no')),
  (7, jsonb_build_object('id', tests.jid(1), 'restrict', 'no')),
  (8, jsonb_build_object('id', tests.jid(1), 'subject', 5)),
  (9, jsonb_build_object('id', tests.jid(1), 'linkedParent', 5)),
  (10, jsonb_build_object('id', tests.jid(1), 'participants', '{}'::jsonb)),
  (11, jsonb_build_object('id', tests.jid(1), 'size', '3')),
  (12, jsonb_build_object('id', tests.jid(1), 'size', -3)),
  (13, jsonb_build_object('id', tests.jid(1), 'size', 2.5));

create temp table sync_codes as
  select n, tests.api_error(format('select api.sync_groups(%L::jsonb)',
              jsonb_build_object('sessionId', 'wa_rules', 'groups', jsonb_build_array(g)))) ->> 'code' as code
  from bad;
create temp table event_counts as
  select n, (internal.upsert_groups('wa_rules', jsonb_build_array(g), n % 2 = 0) ->> 'quarantined')::int as quarantined
  from bad;

select is((select count(*)::int from sync_codes where code like 'invalid_group%'), 13, 'the list sync refuses every bad group');
select is((select count(*)::int from event_counts where quarantined = 1), 13, 'group events quarantine every bad group');
select is((select array_agg(code order by code) from message_error_quarantine where reason like 'a group event entry%'),
          (select array_agg(code order by code) from sync_codes),
          '… with the code the list sync refuses it with');

-- A good group (a Baileys GroupMetadata, every field) passes both.
select is((internal.upsert_groups('wa_rules_e', jsonb_build_array(tests.group_json(2)), true) ->> 'upserted')::int, 1,
          'a whole group passes as a group event');
select is((api.sync_groups(jsonb_build_object('sessionId', 'wa_rules_s', 'groups', jsonb_build_array(tests.group_json(2)))) ->> 'inserted')::int, 1,
          '… and in a list sync');


-- linkedParent "" is how a group without a parent can come (the rules take it as none, as
-- groupJid ""): both paths accept it and store no parent.
select is((internal.upsert_groups('wa_rules_e2', jsonb_build_array(tests.group_json(3, null, '{"linkedParent": ""}')), true)
           ->> 'upserted')::int, 1, 'a group whose linkedParent is "" passes as a group event');
select is((api.sync_groups(jsonb_build_object('sessionId', 'wa_rules_s2',
             'groups', jsonb_build_array(tests.group_json(3, null, '{"linkedParent": ""}')))) ->> 'inserted')::int, 1,
          '… and in a list sync');
select is((select count(*)::int from wa_data.whatsapp_groups
           where session_id in ('wa_rules_e2', 'wa_rules_s2') and linked_parent_jid is null), 2, '… stored with no parent');

select * from finish();
rollback;
