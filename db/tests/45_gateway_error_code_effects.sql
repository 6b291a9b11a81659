-- Gateway and CRM: what an error code does is one row of wa_data.error_code_effects, applied by one
-- function (internal.apply_error_code_effects) that both recording paths call: an error ACK, a
-- send-time failure and an early ACK matched by a send record each restrict the session (463) or
-- mark the group unsendable (a code added as an operator would: 420 here, not seeded) of their own
-- session only, once (a repeat changes nothing), until a sync reports the group again; a code
-- without an effect does nothing.
begin;
select plan(27);

-- The table, seeded with each row's source; the old name still lists (and adds) restricting codes.
select ok(exists (select from error_code_effects where code = 463 and effect = 'restricts_session'), 'seeded: 463 restricts the session');
select is((select count(*) from error_code_effects where source = ''), 0::bigint, 'every row names its source');
select is((select array_agg(code::integer) from restricting_error_codes), array[463], 'restricting_error_codes lists the restricting codes');
insert into restricting_error_codes (code, meaning) values (990479, 'test: a code added by an operator the old way') on conflict do nothing;
select is((select effect from error_code_effects where code = 990479), 'restricts_session', 'an INSERT through the old name adds a restricting code');
delete from error_code_effects where code = 990479;
-- The newcomer's change (CONVENTIONS.md, "The path of a change"): one row.
insert into error_code_effects (code, effect, meaning, source) values (420, 'group_unsendable', 'test', 'test') on conflict do nothing;

-- Two sessions with the same groups; every row of the first sent.
select from tests.make_campaign('wa_fx', 4);
select from tests.mark_sent((select max(id) from notification_campaigns where session_id = 'wa_fx'), 1, 4, 'FX');
select from tests.make_campaign('wa_fy', 4);

-- An error ACK with an effect: its group (the row's, the event names none) is marked, nothing else.
select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_fx", "messageId": "FX1", "errorCode": 420}') #>> '{results,0,outcome}', 'applied',
  'an ACK with 420 is applied');
select from tests.act_as_admin();
select is((select array_agg(session_id || ' ' || group_jid || ' ' || code) from group_unsendable_marks),
  array['wa_fx ' || tests.jid(1) || ' 420'], 'its group is marked unsendable, in its session only');
select is((select restricted_at from whatsapp_sessions where session_id = 'wa_fx'), null, 'and its session is not restricted');
select from tests.act_as('crm');
select is((select array_agg(group_jid::text order by group_jid) from api.sendable_groups where session_id = 'wa_fx'),
  array[tests.jid(2), tests.jid(3), tests.jid(4)], '/sendable_groups leaves the marked group out');
select is((select count(*) from api.sendable_groups where session_id = 'wa_fy'), 4::bigint, 'another session''s same group stays sendable');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_fx", "groupJids": [%s, %s]}')$$,
    to_jsonb(tests.jid(1)), to_jsonb(tests.jid(2)))) -> 'details' ->> 'groupJids', jsonb_build_array(tests.jid(1))::text,
  'create_campaign refuses the marked group (unsendable_groups)');
select is(tests.api_error(format($$select api.retry_failed_groups('{"campaignId": %s}')$$,
    (select max(id) from notification_campaigns where session_id = 'wa_fx'))) ->> 'code', 'nothing_to_retry',
  'retry_failed_groups does not pick the marked group');

-- Idempotent: a repeat (a duplicate ACK) and another code with the same effect keep the first mark.
select from tests.act_as_admin();
insert into error_code_effects (code, effect, meaning, source) values (990499, 'group_unsendable', 'test', 'test');
create temp table first_mark as select marked_at, code from group_unsendable_marks;
select from tests.act_as('gateway');
select is(api.record_message_error('{"events": [{"sessionId": "wa_fx", "messageId": "FX1", "errorCode": 420},
                                               {"sessionId": "wa_fx", "messageId": "FX1", "errorCode": 990499}]}') #>> '{results,1,outcome}',
  'duplicate', 'a repeat is a duplicate');
select from tests.act_as_admin();
select is((select array_agg((marked_at, code)::text) from group_unsendable_marks), (select array_agg((marked_at, code)::text) from first_mark),
  'the first mark stays, unchanged');

-- Send-time failures: the failed group is marked, a send and a code without effect are not.
select from tests.act_as('crm');
select is(api.record_message_sent(format('{"campaignId": %s, "sends": [{"groupJid": %s, "errorCode": 420, "errorMessage": "not-acceptable"},
    {"groupJid": %s, "errorCode": 408}, {"groupJid": %s, "messageId": "FY3"}]}',
    (select max(id) from notification_campaigns where session_id = 'wa_fy'), to_jsonb(tests.jid(1)), to_jsonb(tests.jid(2)),
    to_jsonb(tests.jid(3)))::jsonb) ->> 'failed', '2', 'a send-time batch records two failures and a send');
select from tests.act_as_admin();
select is((select array_agg(group_jid::text order by group_jid) from group_unsendable_marks where session_id = 'wa_fy'), array[tests.jid(1)],
  'a send-time 420 marks its group; a send and a code without effect do not');

-- An early ACK (no row yet, no group named): nothing to mark until the send record matches it.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_fy", "messageId": "FY4", "errorCode": 420}');
select from tests.act_as_admin();
select is((select count(*) from group_unsendable_marks where session_id = 'wa_fy'), 1::bigint, 'an early ACK of an unknown group marks nothing yet');
select from tests.act_as('crm');
select is(api.record_message_sent(format('{"campaignId": %s, "sends": [{"groupJid": %s, "messageId": "FY4"}]}',
    (select max(id) from notification_campaigns where session_id = 'wa_fy'), to_jsonb(tests.jid(4)))::jsonb) ->> 'failedByEarlyAck', '1',
  'the send record applies the early ACK');
select from tests.act_as_admin();
select is((select array_agg(group_jid::text order by group_jid) from group_unsendable_marks where session_id = 'wa_fy'),
  array[tests.jid(1), tests.jid(4)], 'and marks its group');

-- Both effects from one send-time batch: the session is restricted as well.
select from tests.make_campaign('wa_fz', 2);
select from tests.act_as('crm');
select from api.record_message_sent(format('{"campaignId": %s, "sends": [{"groupJid": %s, "errorCode": 420}, {"groupJid": %s, "errorCode": 463}]}',
    (select max(id) from notification_campaigns where session_id = 'wa_fz'), to_jsonb(tests.jid(1)), to_jsonb(tests.jid(2)))::jsonb);
select from tests.act_as_admin();
select is((select (restricted_code, (select array_agg(group_jid::text) from group_unsendable_marks m where m.session_id = s.session_id))::text
           from whatsapp_sessions s where s.session_id = 'wa_fz'),
  (463, array[tests.jid(1)])::text, 'a 463 restricts the session and a 420 marks its group, from one batch');

-- A sync that reports the group again clears its mark; a group it does not report keeps its mark.
select from tests.sync_n('wa_fy', 3);
select is((select array_agg(group_jid::text order by group_jid) from group_unsendable_marks where session_id = 'wa_fy'), array[tests.jid(4)],
  'a sync clears the marks of the groups it reports, keeps the others''');
select from tests.act_as('crm');
select ok(exists (select from api.sendable_groups where session_id = 'wa_fy' and group_jid = tests.jid(1)), 'the group is sendable again');
select from tests.act_as_admin();
-- Evolution's group events: a whole report (groups.upsert) clears the mark, a partial one
-- (groups.update) does not.
select from internal.upsert_groups('wa_fy', jsonb_build_array(tests.group_json(4, 'renamed')), false);
select is((select count(*) from group_unsendable_marks where session_id = 'wa_fy'), 1::bigint, 'a partial group event keeps the mark');
select from internal.upsert_groups('wa_fy', jsonb_build_array(tests.group_json(4)), true);
select is((select count(*) from group_unsendable_marks where session_id = 'wa_fy'), 0::bigint, 'a whole group event clears it');

-- No effect, no call: ACKs and send records whose codes have none never call the function (the
-- codes are looked up in the statement that records the events).
set local track_functions = 'all';
-- Counted from here (a run with track_functions on from the start counted the calls above).
create temp table calls_before as
select coalesce(sum(calls), 0) as n from pg_stat_xact_user_functions where funcname = 'apply_error_code_effects';
select from tests.make_campaign('wa_fq', 2);
select from tests.mark_sent((select max(id) from notification_campaigns where session_id = 'wa_fq'), 1, 1, 'FQ');
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_fq", "messageId": "FQ1", "errorCode": 408}');
select from tests.act_as('crm');
select from api.record_message_sent(format('{"campaignId": %s, "sends": [{"groupJid": %s, "errorCode": 408}]}',
    (select max(id) from notification_campaigns where session_id = 'wa_fq'), to_jsonb(tests.jid(2)))::jsonb);
select from tests.act_as_admin();
select is((select coalesce(sum(calls), 0) from pg_stat_xact_user_functions where funcname = 'apply_error_code_effects')
           - (select n from calls_before), 0::numeric,
  'an ACK and a send-time failure without effect do not call internal.apply_error_code_effects');
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_fq", "messageId": "FQ1", "errorCode": 420}');
select from tests.act_as_admin();
select is((select coalesce(sum(calls), 0) from pg_stat_xact_user_functions where funcname = 'apply_error_code_effects')
           - (select n from calls_before), 1::numeric,
  'one with an effect calls it once');

-- One function both paths call; it writes marks in key order with ON CONFLICT DO NOTHING and locks
-- no group row.
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.oid in ('internal.record_message_error(jsonb, text)'::regprocedure, 'api.record_message_sent(jsonb)'::regprocedure)
    and (p.prosrc not like '%internal.apply_error_code_effects(%' or p.prosrc ~ 'flag_restricted_session|restricting_error_codes')
$$, 'both recording paths call internal.apply_error_code_effects, and neither applies an effect itself');
select ok((select prosrc ~ 'order by u\.group_jid' and prosrc ~ 'on conflict \(session_id, group_jid\) do nothing' and prosrc !~ 'whatsapp_groups'
           from pg_proc where oid = 'internal.apply_error_code_effects(text, text[], integer[])'::regprocedure),
  'marks are inserted in key order, the first kept, and no group row is touched');

select * from finish();
rollback;
