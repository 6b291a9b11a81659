-- Gateway: removing a parent (or deactivating a group) never loses campaign history.
begin;
select plan(4);

-- Group 2 was stored by an old gateway (no flags) and targeted by a campaign.
select from tests.make_campaign('wa_a', 2);
select from tests.sync_n('wa_b', 2);  -- another session holds the same JIDs
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_a', 'groups', jsonb_build_array(
  tests.group_json(1), tests.group_json(2, 'Old parent', '{"isCommunity": true}'))));

select is((select count(*)::int from whatsapp_groups where session_id = 'wa_a' and group_jid = tests.jid(2)), 0,
  'the parent is removed');
select is(
  (select (group_id is null, group_jid, group_name)::text from notification_campaign_groups where group_jid = tests.jid(2)),
  format('(t,%s,"Group 2")', tests.jid(2)), 'the campaign row keeps its JID and name snapshot');
select ok(tests.totals_match((select max(id) from notification_campaigns)), 'totals still match');
select is((select total_groups from notification_campaigns), 2, 'the campaign still counts both targets');

select * from finish();
rollback;
