-- Gateway and CRM: parse once, then decide (issue 25.1). A batch of error ACKs, delivery progress
-- or send records reads each event once: its message id goes through internal.message_id_parts once, the event through
-- its parser once, and its session is resolved once (the one it names, or its key's), however
-- many statements then lock, decide, store and answer. Counted with track_functions = all; the
-- rules are made non-inlinable for the count (ALTER ... SET, rolled back with the test): their
-- bodies are the real ones, and inlined calls would not be counted.
begin;
select plan(16);

-- track_functions is a superuser setting: where the tests run as a host project's non-superuser
-- (Supabase's postgres, DATABASE_URL=… npm test) the counts cannot be taken, and the file says so.
select has_parameter_privilege('track_functions', 'SET') as can_count \gset
\if :can_count
set local track_functions = 'all';
alter function internal.message_id_parts(text) set search_path = pg_catalog, pg_temp;
alter function internal.parse_message_error(jsonb) set search_path = pg_catalog, pg_temp;
alter function internal.parse_message_status(jsonb) set search_path = pg_catalog, pg_temp;
alter function internal.event_session(text, text[]) set search_path = pg_catalog, pg_temp;

-- Calls so far in this transaction, and calls since the last mark.
create temp table marks (funcid oid primary key, calls bigint);
create function pg_temp.mark() returns void language sql as $$
  delete from marks;
  insert into marks select funcid, calls from pg_stat_xact_user_functions;
$$;
create function pg_temp.calls_since(f regprocedure) returns bigint language sql as $$
  select coalesce((select calls from pg_stat_xact_user_functions where funcid = f), 0)
       - coalesce((select calls from marks where funcid = f), 0)
$$;

select from tests.make_campaign('wa_once', 5);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

-- Send records: five sends (one in WAHA form, one failed at send time), each read once; the
-- message ids stored in their one form.
select pg_temp.mark();
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'MSG1'),
  jsonb_build_object('groupJid', tests.jid(2), 'messageId', format('true_%s_MSG2_5511900000001@c.us', tests.jid(2))),
  jsonb_build_object('groupJid', tests.jid(3), 'messageId', 'MSG3'),
  jsonb_build_object('groupJid', tests.jid(4), 'messageId', 'MSG4'),
  jsonb_build_object('groupJid', tests.jid(5), 'errorCode', 500, 'errorMessage', 'no route'))));
select from tests.act_as_admin();
select is((select array_agg(coalesce(message_id::text, status::text) order by group_jid) from notification_campaign_groups
           where campaign_id = (select id from c)),
  array['MSG1', 'MSG2', 'MSG3', 'MSG4', 'failed'], 'send records: each recorded, message ids in their one form');
select is(pg_temp.calls_since('internal.message_id_parts(text)'), 5::bigint, '… five sends: each message id parsed once');
select is(pg_temp.calls_since('internal.parse_message_error(jsonb)'), 0::bigint, '… (no ACK parsed)');

-- Error ACKs: five events, every outcome (applied, WAHA form applied, duplicate, pending_match,
-- quarantined), one with a code that restricts its account (flagged after the answer).
select pg_temp.mark();
select from tests.act_as('gateway');
select from set_config('tests.r1', api.record_message_error(jsonb_build_object('events', jsonb_build_array(
  '{"sessionId": "wa_once", "messageId": "MSG1", "errorCode": 463}'::jsonb,
  jsonb_build_object('sessionId', 'wa_once', 'messageId', format('false_%s_MSG2', tests.jid(2)), 'errorCode', 420),
  '{"sessionId": "wa_once", "messageId": "MSG1"}'::jsonb,
  '{"sessionId": "wa_once", "messageId": "NOPE"}'::jsonb,
  '{"sessionId": "wa_once", "messageId": 5}'::jsonb)))::text, true);
select from tests.act_as_admin();
select is((select array_agg(e ->> 'outcome' order by i) from jsonb_array_elements(current_setting('tests.r1')::jsonb -> 'results') with ordinality x(e, i)),
  array['applied', 'applied', 'duplicate', 'pending_match', 'quarantined'], 'error ACKs: each event gets its outcome');
select is((select restricted_code::int from whatsapp_sessions where session_id = 'wa_once'), 463, '… the restricting code flags its session');
select is(pg_temp.calls_since('internal.parse_message_error(jsonb)'), 5::bigint, 'five error ACKs: each parsed once');
select is(pg_temp.calls_since('internal.message_id_parts(text)'), 5::bigint, '… each message id parsed once');
select is(pg_temp.calls_since('internal.event_session(text,text[])'), 5::bigint, '… each event''s session resolved once');

-- Delivery progress: three events (one refused).
select pg_temp.mark();
select from tests.act_as('gateway');
select from set_config('tests.r2', api.record_message_status(jsonb_build_object('events', jsonb_build_array(
  '{"sessionId": "wa_once", "messageId": "MSG3", "status": "delivered"}'::jsonb,
  jsonb_build_object('sessionId', 'wa_once', 'messageId', format('true_%s_MSG3', tests.jid(3)), 'status', 'read'),
  '{"sessionId": "wa_once", "messageId": "MSG4", "status": "lost"}'::jsonb)))::text, true);
select from tests.act_as_admin();
select is((select array_agg(e ->> 'outcome' order by i) from jsonb_array_elements(current_setting('tests.r2')::jsonb -> 'results') with ordinality x(e, i)),
  array['applied', 'applied', 'quarantined'], 'progress: each event gets its outcome');
select isnt((select read_at from notification_campaign_groups where message_id = 'MSG3'), null, '… the read is applied');
select is(pg_temp.calls_since('internal.parse_message_status(jsonb)'), 3::bigint, 'three progress events: each parsed once');
select is(pg_temp.calls_since('internal.message_id_parts(text)'), 3::bigint, '… each message id parsed once');

-- A key bound to two sessions: an event that names its session is routed, one that names none cannot
-- be (session_required); each event's session resolved once.
select from internal.create_api_key('wak_test_once_0123456789abcdef0123456789abcdef01', 'gateway', 't-once', array['wa_once', 'wa_else']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_once_0123456789abcdef0123456789abcdef01"}', '/rpc/record_message_error');
select from internal.pre_request();
select from tests.act_as_admin();
select pg_temp.mark();
select from tests.act_as('gateway');
select from set_config('tests.r3', api.record_message_error(
  '{"events": [{"sessionId": "wa_once", "messageId": "MSG4", "errorCode": 420}, {"messageId": "NOWHERE"}]}'::jsonb)::text, true);
select from tests.act_as_admin();
select is((select array_agg(coalesce(e ->> 'code', e ->> 'outcome') order by i) from jsonb_array_elements(current_setting('tests.r3')::jsonb -> 'results') with ordinality x(e, i)),
  array['applied', 'session_required'], 'scoped key: the named session is used, an event naming none is refused');
select is(pg_temp.calls_since('internal.event_session(text,text[])'), 2::bigint, '… each event''s session resolved once');
select is(pg_temp.calls_since('internal.message_id_parts(text)'), 2::bigint, '… each message id parsed once');

select pg_temp.mark();
select from tests.act_as('gateway');
select from api.record_message_status('{"events": [{"sessionId": "wa_once", "messageId": "MSG4", "status": "delivered"}, {"messageId": "NOWHERE", "status": "read"}]}'::jsonb);
select from tests.act_as_admin();
select is(pg_temp.calls_since('internal.event_session(text,text[])'), 2::bigint, 'scoped progress: each event''s session resolved once');
\else
select skip('track_functions cannot be set by ' || current_user || ' (a superuser setting): calls not counted here', 16);
\endif

select * from finish();
rollback;
