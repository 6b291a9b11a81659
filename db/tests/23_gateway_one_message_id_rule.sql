-- Gateway and CRM: one message-id rule for every path. WAHA-style ids (true_<jid>_<id>[_<who>],
-- false_…) name the message <id>, whether the send record or the ACK carries that form, in either
-- order. A message id names one message of its session (unique per session since 2026-12-01:
-- CHANGELOG.md): an ACK changes at most one row, the same whether it comes before or after the
-- send record, and never a row of another session.
begin;
select plan(11);

select from tests.make_campaign('wa_ids', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

-- Send in WAHA form, ACK plain, ACK late.
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', format('true_%s_ID1_5511900000001@c.us', tests.jid(1))))));
select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_ids", "messageId": "ID1", "errorCode": 420}') -> 'results' -> 0 ->> 'outcome',
  'applied', 'a send recorded in WAHA form matches a plain ACK (ACK after the send)');

-- Send plain, ACK in WAHA form, ACK late.
select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'ID2'))));
select from tests.act_as('gateway');
select is(api.record_message_error(format('{"sessionId": "wa_ids", "messageId": "false_%s_ID2"}', tests.jid(2))::jsonb)
  -> 'results' -> 0 ->> 'outcome', 'applied', 'a WAHA-form ACK matches a plain send (ACK after the send)');

-- ACK early in plain form, send in WAHA form; ACK early in WAHA form, send plain.
select is(api.record_message_error('{"sessionId": "wa_ids", "messageId": "ID3", "errorCode": 463}') -> 'results' -> 0 ->> 'outcome',
  'pending_match', 'an early plain ACK waits');
select is(api.record_message_error(format('{"sessionId": "wa_ids", "messageId": "true_%s_ID4_5511900000009@c.us"}', tests.jid(4))::jsonb)
  -> 'results' -> 0 ->> 'outcome', 'pending_match', 'an early WAHA-form ACK waits');
select from tests.act_as('crm');
select is((api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(3), 'messageId', format('true_%s_ID3', tests.jid(3))),
  jsonb_build_object('groupJid', tests.jid(4), 'messageId', 'ID4')))) ->> 'failedByEarlyAck')::int,
  2, 'both early ACKs apply when the sends arrive, whichever form each side used');
select from tests.act_as_admin();
select is((select array_agg(message_id::text order by group_jid) from notification_campaign_groups where campaign_id = (select id from c)),
  array['ID1', 'ID2', 'ID3', 'ID4'], 'rows store the message id in its one form');
select is((select count(*)::int from notification_campaign_groups where campaign_id = (select id from c) and status = 'failed'),
  4, 'no failure was lost');

-- A message id names one row per session: the same id in another session is that session's own
-- message; recorded for a second group of one session, it is refused.
select from tests.act_as_admin();
select from tests.make_campaign('wa_ids_other', 2);
select from tests.act_as('crm');
select is((api.record_message_sent(format('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "true_%s_ID2"}]}',
    (select max(id) from notification_campaigns), tests.jid(1), tests.jid(1))::jsonb) ->> 'sent')::int,
  1, 'the id another session recorded is accepted: its own message');
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ID2"}]}')$$,
    (select max(id) from notification_campaigns), tests.jid(2))) ->> 'code',
  'duplicate_message_id', 'a message id already recorded for another group of the session is refused (409)');

-- An early ACK waits for the send of its own session only.
select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_ids", "messageId": "LATE_SESSION"}') -> 'results' -> 0 ->> 'outcome', 'pending_match',
  'an ACK for an unknown id waits');
select from tests.act_as('crm');
select is((api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends',
  jsonb_build_array(jsonb_build_object('groupJid', tests.jid(2), 'messageId', 'LATE_SESSION')))) ->> 'sent')::int,
  1, 'and never fails a row of another session that gets that id');

select * from finish();
rollback;
