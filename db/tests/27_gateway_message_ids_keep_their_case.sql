-- Gateway and CRM: a message id is kept as written, case included (Android's ids are mixed case,
-- WhatsApp Web's 3EB0… upper case): a send and its ACK meet on the exact id, plain or in WAHA form.
-- Only WAHA's own prefixes are unwrapped: lowercase true_/false_ (JavaScript's booleans, as WAHA
-- builds the id); TRUE_… is an id of its own. A WAHA id's chat must agree with the row's group.
begin;
select plan(9);

select from tests.make_campaign('wa_case', 4);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;

select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', '3A5fC0dE9bA1'),
  jsonb_build_object('groupJid', tests.jid(2), 'messageId', format('true_%s_3EB0aBcDeF_5511900000001@c.us', tests.jid(2))),
  jsonb_build_object('groupJid', tests.jid(3), 'messageId', format('TRUE_%s_3A5fX', tests.jid(3))),
  jsonb_build_object('groupJid', tests.jid(4), 'messageId', 'AbC4'))));
select from tests.act_as_admin();
select is((select array_agg(message_id::text order by group_jid) from notification_campaign_groups where campaign_id = (select id from c)),
  array['3A5fC0dE9bA1', '3EB0aBcDeF', format('TRUE_%s_3A5fX', tests.jid(3)), 'AbC4'],
  'stored as sent, case kept: a WAHA id around a mixed-case id is unwrapped, TRUE_… is kept whole');

select from tests.act_as('gateway');
select is(api.record_message_error('{"sessionId": "wa_case", "messageId": "3a5fc0de9ba1"}') -> 'results' -> 0 ->> 'outcome',
  'pending_match', 'another case is another id');
select is(api.record_message_error('{"sessionId": "wa_case", "messageId": "3A5fC0dE9bA1", "errorCode": 420}') -> 'results' -> 0 ->> 'outcome',
  'applied', 'a mixed-case ACK meets its send');
select is(api.record_message_error(format('{"sessionId": "wa_case", "messageId": "false_%s_3EB0aBcDeF"}', tests.jid(2))::jsonb)
  -> 'results' -> 0 ->> 'outcome', 'applied', 'a WAHA-form ACK around a mixed-case id meets its send');
select is(api.record_message_error(format('{"sessionId": "wa_case", "messageId": "TRUE_%s_3A5fX"}', tests.jid(3))::jsonb)
  -> 'results' -> 0 ->> 'outcome', 'applied', 'TRUE_… meets the send of the same whole id');
select is(api.record_message_error(format('{"sessionId": "wa_case", "messageId": "FALSE_%s_AbC4"}', tests.jid(4))::jsonb)
  -> 'results' -> 0 ->> 'messageId', format('FALSE_%s_AbC4', tests.jid(4)), 'FALSE_… is an id of its own too: kept whole');
select is(api.record_message_error(format('{"sessionId": "wa_case", "messageId": "true_%s_AbC4"}', tests.jid(9))::jsonb)
  -> 'results' -> 0 ->> 'outcome', 'pending_match', 'a WAHA id whose chat is another group does not touch the row');
select from tests.act_as_admin();
select is((select array_agg(status::text order by group_jid) from notification_campaign_groups where campaign_id = (select id from c)),
  array['failed', 'failed', 'failed', 'sent'], 'the three ACKs that met their sends failed them; the fourth row is untouched');
select is((select count(*)::int from message_error_inbox where message_id = '3a5fc0de9ba1' and outcome = 'pending_match'), 1,
  'the lowercase ACK waits under its own id');

select * from finish();
rollback;
