-- CRM and gateway: the refusals the whole generated mutant set found unread answer the status
-- docs/errors.md gives them (422, 409, 403), a send's error code is checked before it is read, and a
-- send record writes each result's times exactly:
-- a sent row has a send time and no failure time, a send-time failure the reverse, and repeating a
-- failure with another message is a conflict, not the same result.
begin;
select plan(12);

select tests.make_campaign('stat_s', 4) as c \gset
select is(tests.refusal($$select api.create_campaign(jsonb_build_object('name', 'n', 'message', 5, 'sessionId', 'stat_s',
    'groupJids', jsonb_build_array(tests.jid(1))))$$),
  '{"status": 422, "code": "invalid_message"}', 'create_campaign: a message that is not text is 422 invalid_message');
select is(tests.refusal($$select api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'stat_s',
    'groupJids', jsonb_build_array(tests.jid(1), tests.jid(1))))$$),
  '{"status": 422, "code": "duplicate_group_jid"}', 'create_campaign: a group twice is 422 duplicate_group_jid');

-- A key bound to another session syncs nothing of this one.
select from (select set_config('wa.api_key_sessions', '{stat_other}', true)) s;
select is(tests.refusal($$select tests.sync_n('stat_s', 2)$$),
  '{"status": 403, "code": "session_not_allowed"}', 'sync_groups: a session outside the key''s is 403 session_not_allowed');
select from (select set_config('wa.api_key_sessions', '', true)) s;

-- Results: group 1 sent, group 2 failed at send time.
select from api.record_message_sent(jsonb_build_object('campaignId', :c, 'sends', jsonb_build_array(
  jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'STAT1'),
  jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 463, 'errorMessage', 'restricted'))));
select is((select (sent_at is not null, failed_at is null, delivered_at is null)::text from notification_campaign_groups
           where campaign_id = :c and group_jid = tests.jid(1)),
  '(t,t,t)', 'a sent row has a send time, no failure time and no delivery yet');
select is((select (sent_at is null, failed_at is not null, message_id is null)::text from notification_campaign_groups
           where campaign_id = :c and group_jid = tests.jid(2)),
  '(t,t,t)', 'a send-time failure has a failure time and no send time');
select is(tests.refusal(format($$select api.record_message_sent(jsonb_build_object('campaignId', %s, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 463, 'errorMessage', 'another text'))))$$, :c)),
  '{"status": 409, "code": "send_conflict"}', 'the same failure code with another message is a conflict');
select is((api.record_message_sent(jsonb_build_object('campaignId', :c, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 463, 'errorMessage', 'restricted'))))) ->> 'unchanged',
  '1', '… and the same code and message is the same result, unchanged');
select is(tests.refusal(format($$select api.record_message_sent(jsonb_build_object('campaignId', %s, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(2), 'errorCode', 420, 'errorMessage', 'restricted'))))$$, :c)),
  '{"status": 409, "code": "send_conflict"}', '… another code with the same message is a conflict too');

-- An error code that is not a whole number is refused as the send's problem, not cast (a cast of
-- "abc" or of a number past 2^31 would fail the call with a 500).
select is(tests.refusal(format($$select api.record_message_sent(jsonb_build_object('campaignId', %s, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 'abc'))))$$, :c)),
  '{"status": 422, "code": "invalid_sends"}', 'an errorCode "abc" is 422 invalid_sends');
select is(tests.refusal(format($$select api.record_message_sent(jsonb_build_object('campaignId', %s, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(3), 'errorCode', 99999999999))))$$, :c)),
  '{"status": 422, "code": "invalid_sends"}', 'an errorCode past 2^31 is 422 invalid_sends');

-- A cancelled campaign takes no more results.
select from api.cancel_campaign(jsonb_build_object('campaignId', :c));
select is(tests.refusal(format($$select api.record_message_sent(jsonb_build_object('campaignId', %s, 'sends', jsonb_build_array(
    jsonb_build_object('groupJid', tests.jid(3), 'messageId', 'STAT3'))))$$, :c)),
  '{"status": 409, "code": "campaign_cancelled"}', 'a send for a cancelled campaign''s group is 409 campaign_cancelled');
select is((select status from notification_campaign_groups where campaign_id = :c and group_jid = tests.jid(3)),
  'cancelled', '… and the row stays cancelled');

select * from finish();
rollback;
