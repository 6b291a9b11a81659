-- CRM: create_campaign at its edges, what pgTAP 30, 33 and 65 do not vary: the statuses docs/errors.md
-- gives its refusals (empty_group_list, invalid_send_before, unsendable_groups, invalid_group_jids,
-- invalid_session_id 422; session_restricted 409; too_many_groups 413, saying the limit), a
-- sendBefore of exactly now is refused, a refusal of more than 100 unsendable groups names exactly
-- the first 100 (in JID order) and counts them all, and exactly groupsPerCampaign JIDs are not too
-- many. A refused call creates nothing.
begin;
select plan(12);

select from tests.sync_n('wa_c74', 2);
select from tests.sync_n('wa_c74r', 1);
update whatsapp_sessions set restricted_at = now(), restricted_code = 463 where session_id = 'wa_c74r';
create temp table cap as select internal.limit('groupsPerCampaign') as n;
grant select on cap to public;
create function pg_temp.refusal(body jsonb) returns jsonb language sql as $$
  select e - 'message' - 'hint' - 'details' from tests.api_error(format('select api.create_campaign(%L)', body)) e
$$;
create function pg_temp.body(session text, jids jsonb, extra jsonb default '{}') returns jsonb language sql as $$
  select jsonb_build_object('name', 'c74', 'message', 'hello', 'sessionId', session, 'groupJids', jids) || extra
$$;

select from tests.act_as('crm');
select is(pg_temp.refusal(pg_temp.body('wa_c74', '[]')), '{"status": 422, "code": "empty_group_list"}'::jsonb,
  'no groupJids: 422 empty_group_list');
select is(pg_temp.refusal(pg_temp.body('wa_c74', jsonb_build_array(tests.jid(1)), '{"sendBefore": "2001-01-01T00:00:00Z"}')),
  '{"status": 422, "code": "invalid_send_before"}'::jsonb, 'a sendBefore in the past: 422 invalid_send_before');
select is(pg_temp.refusal(pg_temp.body('wa_c74', jsonb_build_array(tests.jid(1)),
    jsonb_build_object('sendBefore', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))),
  '{"status": 422, "code": "invalid_send_before"}'::jsonb, 'a sendBefore of exactly now is not later than now');
select is(pg_temp.refusal(pg_temp.body('wa_c74r', jsonb_build_array(tests.jid(1)))),
  '{"status": 409, "code": "session_restricted"}'::jsonb, 'a restricted session: 409 session_restricted');

-- 101 JIDs the session does not have (and one it has): all counted, the first 100 named, in JID order.
create temp table unknown as
  select jsonb_agg(tests.jid(i) order by i desc) || jsonb_build_array(tests.jid(1)) as jids from generate_series(1001, 1101) i;
grant select on unknown to public;
create temp table refused as select tests.api_error(format('select api.create_campaign(%L)', pg_temp.body('wa_c74', (select jids from unknown)))) as e;
select is((select e - 'message' - 'hint' - 'details' from refused), '{"status": 422, "code": "unsendable_groups"}'::jsonb,
  'unknown groups: 422 unsendable_groups');
select is((select (e -> 'details' ->> 'count')::int from refused), 101, '… counting all 101');
select is((select e -> 'details' -> 'groupJids' from refused), (select jsonb_agg(tests.jid(i) order by i) from generate_series(1001, 1100) i),
  '… naming the first 100 in JID order');

-- Exactly groupsPerCampaign JIDs pass the size check: the first invalid JID is what is refused.
select is((select e - 'message' - 'hint' from tests.api_error(format('select api.create_campaign(%L)',
    pg_temp.body('wa_c74', (select jsonb_agg('x'::text) from generate_series(1, (select n from cap)))))) e),
  '{"status": 422, "code": "invalid_group_jids", "details": {"index": 0}}'::jsonb,
  'exactly groupsPerCampaign JIDs are not too many (422 for the first bad JID, not 413)');
select is((select e - 'hint' - 'details' from tests.api_error(format('select api.create_campaign(%L)',
    pg_temp.body('wa_c74', (select jsonb_agg('x'::text) from generate_series(0, (select n from cap)))))) e),
  jsonb_build_object('status', 413, 'code', 'too_many_groups',
    'message', format('At most %s groups per campaign; got %s.', (select n from cap), (select n from cap) + 1)),
  '… one more is 413 too_many_groups, saying the limit');
select is(pg_temp.refusal(pg_temp.body('wa_c74', '{"a": 1}')), '{"status": 422, "code": "invalid_group_jids"}'::jsonb,
  'groupJids not an array: 422 invalid_group_jids');
select is(pg_temp.refusal(pg_temp.body('wa_c74', jsonb_build_array(tests.jid(1))) - 'sessionId'),
  '{"status": 422, "code": "invalid_session_id"}'::jsonb, 'no sessionId: 422 invalid_session_id');

select from tests.act_as_admin();
select is((select count(*)::int from notification_campaigns), 0, 'no refused call created a campaign');

select * from finish();
rollback;
