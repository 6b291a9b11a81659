-- Gateway and CRM: one message-id rule for every path. WAHA-style ids (true_<jid>_<id>[_<who>],
-- false_…) name the message <id>, whether the send record or the ACK carries that form, in either
-- order. A message id names one message in any session: an ACK changes at most one row, the
-- same whether it comes before or after the send record.
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

-- A message id names one row in any session.
select from tests.make_campaign('wa_ids_other', 1);
select from tests.act_as('crm');
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ID1"}]}')$$,
    (select max(id) from notification_campaigns), tests.jid(1))) ->> 'code',
  'duplicate_message_id', 'a message id already recorded in another session is refused (409)');
select is(tests.api_error(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "true_%s_ID2"}]}')$$,
    (select max(id) from notification_campaigns), tests.jid(1), tests.jid(1))) ->> 'code',
  'duplicate_message_id', '… in either form');

-- An ACK without a session: at most one row, early or late alike.
select from tests.act_as('gateway');
select is(api.record_message_error('{"messageId": "LATE_NOSESSION"}') -> 'results' -> 0 ->> 'outcome', 'pending_match',
  'a sessionless ACK for an unknown id waits');
select from tests.act_as('crm');
select is((api.record_message_sent(jsonb_build_object('campaignId', (select max(id) from notification_campaigns), 'sends',
  jsonb_build_array(jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'LATE_NOSESSION')))) ->> 'failedByEarlyAck')::int,
  1, 'and applies to the one row that gets that id, in whichever session');

select * from finish();
rollback;
