-- CRM and gateway: record_message_sent at its edges, what pgTAP 31, 56 and 65 do not vary: delivery
-- progress that arrived before the send lands on the sent row (never on a row an early error ACK
-- failed, never another session's); of two early error ACKs the earliest applies, one naming
-- another group waits; sends after no failure leave the dispatch row unwritten; the brake's pause
-- reason names the last send-time failure of the batch even when a repeat of an earlier send comes
-- after it, failures in a row count from the batch's last send and a batch of sends resets them; a
-- send_conflict names the first 100 groups; the answer's campaign is the named one; exactly
-- sendsPerCall sends are not too many; and the statuses of invalid_campaign_id (422) and
-- session_not_allowed (403).
begin;
select plan(18);

select from tests.make_campaign('wa_s73', 7, 'scheduled');
create temp table c as select max(id) as id from notification_campaigns;
create temp table sends_cap as select internal.limit('sendsPerCall') as n;
grant select on c, sends_cap to public;
update session_dispatch set max_consecutive_failures = 1 where session_id = 'wa_s73';
create temp table dispatch_before as select ctid as at from session_dispatch where session_id = 'wa_s73';

-- Progress first (a read implies delivered), then the send record: the row is sent, delivered and read.
-- An error ACK and progress first, then the send: the row failed, with no delivery or read time.
select from tests.act_as('gateway');
select from api.record_message_status('{"sessionId": "wa_s73", "messageId": "S73A", "status": "read"}');
select from api.record_message_error('{"sessionId": "wa_s73", "messageId": "S73B", "errorCode": 420}');
select from api.record_message_status('{"sessionId": "wa_s73", "messageId": "S73B", "status": "read"}');
select from api.record_message_status('{"sessionId": "wa_s73o", "messageId": "S73C", "status": "read"}');
-- Two error ACKs for one message before its send: the earliest applies, the later is a duplicate.
-- An ACK naming another group than the send's: not this row's (it keeps waiting).
select from api.record_message_error('{"sessionId": "wa_s73", "messageId": "S73E", "errorCode": 420, "errorMessage": "first"}');
select from api.record_message_error('{"sessionId": "wa_s73", "messageId": "S73E", "errorCode": 500, "errorMessage": "second"}');
select from api.record_message_error(jsonb_build_object('sessionId', 'wa_s73', 'messageId', 'S73F', 'errorCode', 420, 'groupJid', tests.jid(9)));
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'S73A'),
    jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'S73B'),
    jsonb_build_object('groupJid', tests.jid(5), 'messageId', 'S73C'),
    jsonb_build_object('groupJid', tests.jid(6), 'messageId', 'S73E'),
    jsonb_build_object('groupJid', tests.jid(7), 'messageId', 'S73F')))) - 'campaignId' - 'campaign',
  '{"sent": 3, "failed": 0, "failedByEarlyAck": 2, "unchanged": 0}'::jsonb,
  'sends with early progress are sent, those with an early error ACK of their own failed by it');
select from tests.act_as_admin();
select is((select (status, error_code, error_message)::text from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid = tests.jid(6)),
  '(failed,420,first)', 'of two early ACKs the earliest is the failure');
select is((select array_agg((error_code, resolution)::text order by id) from message_error_inbox where message_id in ('S73E', 'S73F')),
  array['(420,applied)', '(500,duplicate)', '(420,)'], '… the later one a duplicate; an ACK naming another group still waits');
select is((select ctid from session_dispatch where session_id = 'wa_s73'), (select at from dispatch_before),
  'sends with no failure in a row before them leave the session''s dispatch row unwritten');
select is((select (status, delivered_at is not null, read_at is not null)::text from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid = tests.jid(1)),
  '(sent,t,t)', 'progress that arrived before the send lands on the sent row');
select is((select (status, delivered_at is not null, read_at is not null)::text from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid = tests.jid(2)),
  '(failed,f,f)', 'a row an early error ACK failed takes no delivery or read time');
select is((select (status, delivered_at is not null, read_at is not null)::text from notification_campaign_groups
           where campaign_id = (select id from c) and group_jid = tests.jid(5)),
  '(sent,f,f)', 'a send without progress of its own (only another session''s, for the same id) has no delivery time');

-- max_consecutive_failures 1: a failure then a repeat of a recorded send (unchanged, not a send of
-- this call) pauses, and the reason names the failure, not the repeat.
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 500, 'errorMessage', 'boom'),
    jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'S73A')))) - 'campaignId' - 'campaign',
  '{"sent": 0, "failed": 1, "failedByEarlyAck": 0, "unchanged": 1}'::jsonb,
  'a send-time failure and a repeat: one failed, one unchanged');
select from tests.act_as_admin();
select is((select (paused_at is not null, pause_reason)::text from session_dispatch where session_id = 'wa_s73'),
  '(t,"1 send-time failures in a row; the last: error 500 boom")',
  'the session pauses at its maximum, the reason naming the last failure (not the repeat after it)');

-- Exactly sendsPerCall sends pass the size check: the first invalid send is what is refused.
select from tests.act_as('crm');
select is(tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId', (select id from c),
    'sends', (select jsonb_agg(jsonb_build_object('groupJid', 'not a jid', 'messageId', 'X' || i)) from generate_series(1, (select n from sends_cap)) i))))
    - 'message' - 'hint',
  '{"status": 422, "code": "invalid_sends", "details": {"index": 0}}'::jsonb,
  'exactly sendsPerCall sends are not too many (422 for the first bad send, not 413)');
select is(tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId', (select id from c),
    'sends', (select jsonb_agg(jsonb_build_object('groupJid', 'not a jid', 'messageId', 'X' || i)) from generate_series(1, (select n from sends_cap) + 1) i))))
    ->> 'status', '413', '… one more is 413');

select is(tests.api_error($$select api.record_message_sent('{"campaignId": 1.5, "sends": [{"groupJid": "120363000000000001@g.us", "messageId": "X"}]}')$$)
    - 'message' - 'hint' - 'details',
  '{"status": 422, "code": "invalid_campaign_id"}'::jsonb, 'a campaign id that is not a whole number is 422 invalid_campaign_id');

-- Failures in a row count from the batch's last send: fail, send, fail is one in a row (max 2: no
-- pause); a batch of sends alone then resets the count.
select from tests.act_as_admin();
select from tests.make_campaign('wa_s73b', 4, 'scheduled');
create temp table c2 as select max(id) as id from notification_campaigns;
grant select on c2 to public;
update session_dispatch set max_consecutive_failures = 2 where session_id = 'wa_s73b';
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c2), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'errorCode', 500, 'errorMessage', 'x'),
  jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'S73G'),
  jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 500, 'errorMessage', 'x'))));
select from tests.act_as_admin();
select is((select (consecutive_failures, paused_at is null)::text from session_dispatch where session_id = 'wa_s73b'), '(1,t)',
  'fail, send, fail: one failure in a row, not paused');
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c2), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(4), 'messageId', 'S73H'))));
select from tests.act_as_admin();
select is((select consecutive_failures from session_dispatch where session_id = 'wa_s73b'), 0, 'a batch of sends alone resets the count');

-- A send_conflict over more than 100 groups names exactly the first 100 (in the batch's order).
select from tests.act_as_admin();
select from tests.make_campaign('wa_s73c', 101);
create temp table c3 as select max(id) as id from notification_campaigns;
grant select on c3 to public;
select from tests.mark_sent((select id from c3), 1, 101, 'S73C');
select from tests.act_as('crm');
create temp table conflict as select tests.api_error(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId', (select id from c3),
  'sends', (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i), 'messageId', 'OTHER' || i) order by i) from generate_series(1, 101) i)))) as e;
select is((select (e ->> 'code', e -> 'details' ->> 'count', jsonb_array_length(e -> 'details' -> 'rows'),
                   e -> 'details' -> 'rows' -> 99 ->> 'groupJid')::text from conflict),
  (select ('send_conflict', 101, 100, tests.jid(100))::text), '101 conflicting groups: all counted, the first 100 named');

-- The answer's campaign is the one the call names, also beside an older campaign of its session.
select from tests.act_as_admin();
select from tests.make_campaign('wa_s73b', 2);
select from tests.act_as('crm');
select is(api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns where session_id = 'wa_s73b'),
    'sends', jsonb_build_array(jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'S73J')))) -> 'campaign',
  '{"status": "sending", "totalGroups": 2, "pendingCount": 1, "sentCount": 1, "failedCount": 0}'::jsonb,
  'the answer gives the named campaign''s totals, not those of an older campaign of the session');

-- A gateway key bound to other sessions: 403, nothing recorded.
select from tests.act_as_admin();
select from internal.create_api_key('wak_test_s73_scoped_0123456789abcdef0123456789abc', 'gateway', 't-s73', array['wa_s73x']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_s73_scoped_0123456789abcdef0123456789abc"}', '/rpc/record_message_sent');
select from internal.pre_request();
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "S73D"}]}')$$,
    (select id from c), tests.jid(4))) - 'message' - 'hint' - 'details',
  '{"status": 403, "code": "session_not_allowed"}'::jsonb, 'a gateway key of other sessions: 403 session_not_allowed');
select from tests.act_as_admin();
select is((select status from notification_campaign_groups where campaign_id = (select id from c) and group_jid = tests.jid(4)),
  'pending', '… and the row is still pending');

select * from finish();
rollback;
