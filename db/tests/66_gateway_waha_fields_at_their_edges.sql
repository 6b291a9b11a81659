-- Gateway (WAHA): the fields of api.waha_webhook's bodies at their edges, each read as WAHA sends
-- it (github:devlikeapro/waha 2025.12.2+: the group.v2.* events of src/structures/groups.dto.ts,
-- GroupV2JoinEvent/GroupV2LeaveEvent/GroupV2UpdateEvent/GroupV2ParticipantsEvent with `type`
-- join|leave|promote|demote; NOWEB's ERROR receipt with `error` {code, reason} or the stub
-- parameters of _data); what pgTAP 15 does not vary. The group.v2.* rows are read from the table,
-- not only from the answers (generated mutants that skipped the update answered the same counts). And the X-Webhook-Hmac is HMAC-SHA512 as
-- RFC 4231 computes it (pgTAP 15 signs with our own function, so it cannot tell).
begin;
select plan(26);

select from tests.make_campaign('wa_we', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
select from tests.mark_sent((select id from c), 1, 4, 'WE');
create function pg_temp.waha(event text, payload jsonb) returns json language sql as $$
  select jsonb_build_object('id', 'evt_01jwaha0066000000', 'timestamp', 1764072000000, 'event', event, 'session', 'wa_we',
    'me', jsonb_build_object('id', '5511999999999@c.us', 'lid', '123456789012345@lid', 'pushName', 'CRM Avisos'),
    'payload', payload, 'engine', 'NOWEB')::json
$$;
-- An ERROR receipt of our message WE<n> in group n, with WAHA's error fields as given.
create function pg_temp.error_ack(n int, fields jsonb) returns jsonb language sql as $$
  select jsonb_build_object('id', format('true_%s_WE%s', tests.jid(n), n), 'from', tests.jid(n), 'fromMe', true,
    'ack', -1, 'ackName', 'ERROR') || fields
$$;
create function pg_temp.group_of(n int, extra jsonb default '{}') returns jsonb language sql as $$
  select jsonb_build_object('group', jsonb_build_object('id', tests.jid(n), 'subject', format('Group %s', n)) || extra)
$$;

select from tests.act_as('gateway');
-- The error code where WAHA may put it: error.code, errorCode, the stub parameters (first that is a code).
select is(api.waha_webhook(pg_temp.waha('message.ack', pg_temp.error_ack(1, '{"errorCode": 463}'))) -> 'errors' ->> 'applied', '1',
  'an ERROR receipt with its code in errorCode only is applied');
select is(api.waha_webhook(pg_temp.waha('message.ack', pg_temp.error_ack(2,
    '{"error": {"code": null, "reason": 42}, "_data": {"messageStubParameters": ["420"]}}'))) -> 'errors' ->> 'applied', '1',
  'one with error.code null and its code in _data.messageStubParameters is applied; a reason that is not a string is no message');
select is(api.waha_webhook(pg_temp.waha('message.ack', pg_temp.error_ack(3, '{}'))) -> 'errors' ->> 'applied', '1',
  'one without any error field is applied, without a code');
select from tests.act_as_admin();
select is((select array_agg((group_jid = tests.jid(1), error_code, error_message)::text order by group_jid)
           from notification_campaign_groups where campaign_id = (select id from c) and group_jid in (tests.jid(1), tests.jid(2))),
  array['(t,463,)', '(f,420,)'], 'the codes are recorded: 463 from errorCode, 420 from the stub, no message from a numeric reason');
select is((select array_agg(raw ? 'gatewayError' order by group_jid) from message_error_inbox where session_id = 'wa_we'),
  array[true, true, false], 'WAHA''s own error fields are kept beside the event, and no empty gatewayError for a receipt without them');
select is((select error_code from notification_campaign_groups where campaign_id = (select id from c) and group_jid = tests.jid(3)), null,
  '… whose row fails without a code');

-- group.v2.*: a join stores the group, its participants counted; another join without the list keeps the count.
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('group.v2.join', pg_temp.group_of(50, '{"participants": [{"id": "5511900000001@c.us"},
    {"id": "5511900000002@c.us"}, {"id": "5511999999999@c.us"}]}'))) -> 'groups', '{"inserted": 1, "updated": 0}',
  'group.v2.join of a new group: inserted 1, updated 0');
select is(api.waha_webhook(pg_temp.waha('group.v2.join', pg_temp.group_of(50))) -> 'groups', '{"inserted": 0, "updated": 1}',
  'again, without its participants: inserted 0, updated 1');
select from tests.act_as_admin();
select is((select participant_count from whatsapp_groups where session_id = 'wa_we' and group_jid = tests.jid(50)), 3,
  '… and the count of the first join is kept (no list is no news)');

-- group.v2.participants: only our own leave deactivates the group.
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('group.v2.participants', pg_temp.group_of(1) || '{"type": "leave",
    "participants": [{"id": "5511900000007@c.us", "role": "participant"}]}')) ->> 'outcome', 'ignored',
  'someone else leaving is ignored');
select is(api.waha_webhook(pg_temp.waha('group.v2.participants', pg_temp.group_of(1) || '{"type": "promote",
    "participants": [{"id": "5511999999999@c.us", "role": "admin"}]}')) ->> 'outcome', 'ignored',
  'we being promoted is no leave');
select is(api.waha_webhook(pg_temp.waha('group.v2.participants', pg_temp.group_of(1) || '{"type": "join",
    "participants": [{"id": "123456789012345:7@lid"}]}')) ->> 'outcome', 'ignored',
  'we joining (by LID) is no leave either');
select from tests.act_as_admin();
select is((select inactive_since from whatsapp_groups where session_id = 'wa_we' and group_jid = tests.jid(1)), null,
  'the group is still active');
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('group.v2.participants', pg_temp.group_of(1) || '{"type": "leave",
    "participants": [{"id": "123456789012345:7@lid"}]}')) -> 'groups' ->> 'deactivated', '1',
  'we leaving (by LID, a device suffix aside) deactivates it');

-- group.v2.join of a known group takes its name and size; a new group joined without its participants has none
-- (and waits, inactive, for a full sync); group.v2.update renames; group.v2.leave deactivates; a group id that is
-- no group JID, or a subject that is not a string, is refused 422 (the table rows are read, not only the answers).
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('group.v2.join', jsonb_build_object('group', jsonb_build_object('id', tests.jid(50),
    'subject', 'Renamed 50', 'participants', '[{"id": "5511900000001@c.us"}, {"id": "5511999999999@c.us"}]'::jsonb)))) -> 'groups',
  '{"inserted": 0, "updated": 1}', 'group.v2.join of a known group with a new subject and participants: updated');
select is(api.waha_webhook(pg_temp.waha('group.v2.join', pg_temp.group_of(51))) -> 'groups', '{"inserted": 1, "updated": 0}',
  'group.v2.join of a new group without its participants: inserted');
select is(api.waha_webhook(pg_temp.waha('group.v2.update', pg_temp.group_of(2, '{"subject": "Renamed 2"}'))) -> 'groups' ->> 'updated', '1',
  'group.v2.update of a known group: updated');
select is(api.waha_webhook(pg_temp.waha('group.v2.leave', jsonb_build_object('group', jsonb_build_object('id', tests.jid(3))))) -> 'groups'
    ->> 'deactivated', '1', 'group.v2.leave: deactivated');
select from tests.act_as_admin();
select is((select array_agg((group_jid = tests.jid(50), name, participant_count, inactive_since is not null)::text order by group_jid)
           from whatsapp_groups where session_id = 'wa_we' and group_jid in (tests.jid(2), tests.jid(3), tests.jid(50), tests.jid(51))),
  array['(f,"Renamed 2",2,f)', '(f,"Group 3",2,t)', '(t,"Renamed 50",2,t)', '(f,"Group 51",0,t)'],
  'the rows: renamed; left (inactive); the known group''s name and size from its join; the new one without participants, inactive');
select from tests.act_as('gateway');
select is(api.waha_webhook(pg_temp.waha('group.v2.leave', '{"group": {}}')) ->> 'code', 'invalid_group_jid',
  'a leave without a group id is invalid_group_jid');
select is(current_setting('response.status', true), '422', '… with 422');
select is(api.waha_webhook(pg_temp.waha('group.v2.update', pg_temp.group_of(2, '{"subject": 5}'))) ->> 'code', 'invalid_group_field',
  'an update whose subject is a number is invalid_group_field');
select is(current_setting('response.status', true), '422', '… with 422');
select from tests.act_as_admin();
select is((select name::text from whatsapp_groups where session_id = 'wa_we' and group_jid = tests.jid(2)), 'Renamed 2',
  '… and the group keeps its name');

-- X-Webhook-Hmac: HMAC-SHA512 (RFC 4231 test case 6: a key longer than the block; and a short key).
select from tests.act_as_admin();
select is(encode(internal.hmac_sha512(convert_to('key', 'UTF8'), convert_to('The quick brown fox jumps over the lazy dog', 'UTF8')), 'hex'),
  'b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a',
  'HMAC-SHA512 of a short key');
select is(encode(internal.hmac_sha512(decode(repeat('aa', 131), 'hex'),
    convert_to('Test Using Larger Than Block-Size Key - Hash Key First', 'UTF8')), 'hex'),
  '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  'HMAC-SHA512 of a key longer than the block (RFC 4231, test case 6)');

select * from finish();
rollback;
