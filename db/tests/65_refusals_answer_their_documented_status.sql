-- Every refusal answers the HTTP status docs/errors.md gives its code, not only the code: a client
-- retries a 409 and a 503, never a 4xx it caused, and PostgREST answers what `status` says. Other
-- files check the codes; generated mutants (npm run test:mutation -- --generate) that changed a
-- status (409 → 410, 422 → 423, 400 → 399, 413 → 414) lived because no file read it.
begin;
select plan(44);

select from tests.make_campaign('wa_st', 2);
create temp table c as select max(id) as id from notification_campaigns;
grant select on c to public;
create temp table cap as select internal.limit('groupsPerCampaign') as n, internal.limit('claimsPerCall') as claims;
grant select on cap to public;
create temp table sends_cap as select internal.limit('sendsPerCall') as n;
grant select on sends_cap to public;
select from tests.make_campaign('wa_sp', 1);
select from tests.make_campaign('wa_sp', 1);
create temp table sp as select array_agg(id order by id) as ids from notification_campaigns where session_id = 'wa_sp';
grant select on sp to public;
-- The refusal `sql` raises with its details and message (tests.refusal gives its status and code).
create function pg_temp.refusal_in_full(sql text) returns jsonb language sql as $$
  select e - 'hint' from tests.api_error(sql) e
$$;

select from tests.act_as('crm');
select from api.record_message_sent(jsonb_build_object('campaignId', (select id from c), 'sends',
  jsonb_build_array(jsonb_build_object('groupJid', tests.jid(1), 'messageId', 'ST1'))));
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ST2"}]}')$$,
    (select id from c), tests.jid(1))),
  '{"status": 409, "code": "send_conflict"}', 'record_message_sent: another result for a sent group is 409 send_conflict');
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": []}')$$, (select id from c))),
  '{"status": 422, "code": "invalid_sends"}', 'record_message_sent: no sends is 422 invalid_sends');
select is(tests.refusal($$select api.record_message_sent('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'record_message_sent: a body that is not an object is 400 invalid_body');
select is(tests.refusal(format($$select api.retry_failed_groups('{"campaignId": %s, "name": 5}')$$, (select id from c))),
  '{"status": 422, "code": "invalid_name"}', 'retry_failed_groups: a name that is not a campaign name is 422 invalid_name');
select is(tests.refusal(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": true, "sendBefore": "2020-01-01T00:00:00Z"}')$$,
    (select id from c))),
  '{"status": 422, "code": "invalid_send_before"}', 'schedule_campaign: a sendBefore in the past is 422 invalid_send_before');
select is(tests.refusal(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": "yes"}')$$, (select id from c))),
  '{"status": 422, "code": "invalid_scheduled"}', 'schedule_campaign: scheduled not a boolean is 422 invalid_scheduled');
select is(tests.refusal(format($$select api.schedule_campaign('{"campaignId": %s, "scheduled": false}')$$, (select id from c))),
  '{"status": 409, "code": "invalid_transition"}', 'schedule_campaign: unscheduling a campaign that is sending is 409 invalid_transition');
select is(tests.refusal($$select api.create_campaign('{"message": "m", "sessionId": "wa_st", "groupJids": []}')$$),
  '{"status": 422, "code": "invalid_name"}', 'create_campaign: no name is 422 invalid_name');
select is(tests.refusal($$select api.create_campaign('{"name": "x", "message": "m", "sessionId": "wa_st", "groupJids": ["120363000000000001@g.us"], "status": "sending"}')$$),
  '{"status": 422, "code": "invalid_status"}', 'create_campaign: a status but draft or scheduled is 422 invalid_status');
-- record_message_sent: each send checked, the first bad one named by its index.
select is(pg_temp.refusal_in_full(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ST1"},
    {"groupJid": "not-a-jid", "messageId": "ST9"}]}')$$, (select id from c), tests.jid(1))) - 'message',
  '{"status": 422, "code": "invalid_sends", "details": {"index": 1}}', 'record_message_sent: a groupJid that is no JID is 422 invalid_sends, at its index');
select is(pg_temp.refusal_in_full(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "   "}]}')$$,
    (select id from c), tests.jid(2))) - 'message',
  '{"status": 422, "code": "invalid_sends", "details": {"index": 0}}', 'record_message_sent: a blank messageId is 422 invalid_sends');
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "errorCode": 420, "errorMessage": "%s"}]}')$$,
    (select id from c), tests.jid(2), repeat('e', 4001))),
  '{"status": 422, "code": "invalid_sends"}', 'record_message_sent: an errorMessage over 4000 characters is 422 invalid_sends');
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "errorCode": 420, "errorMessage": 5}]}')$$,
    (select id from c), tests.jid(2))),
  '{"status": 422, "code": "invalid_sends"}', 'record_message_sent: an errorMessage that is not a string is 422 invalid_sends');
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ST7"},
    {"groupJid": "%s", "messageId": "ST8"}]}')$$, (select id from c), tests.jid(2), tests.jid(2))),
  '{"status": 422, "code": "duplicate_group_jid"}', 'record_message_sent: a group twice is 422 duplicate_group_jid');
select is(tests.refusal(format($$select api.record_message_sent('{"campaignId": %s, "sends": [{"groupJid": "%s", "messageId": "ST7"}]}')$$,
    (select id from c), tests.jid(77))),
  '{"status": 422, "code": "unknown_campaign_groups"}', 'record_message_sent: a group outside the campaign is 422 unknown_campaign_groups');
select is(pg_temp.refusal_in_full(format('select api.record_message_sent(%L)', jsonb_build_object('campaignId', (select id from c), 'sends',
    (select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i), 'messageId', 'B' || i)) from generate_series(1, (select n from sends_cap) + 1) i))))
    - 'details',
  jsonb_build_object('status', 413, 'code', 'batch_too_large',
    'message', format('At most %s sends per call; got %s.', (select n from sends_cap), (select n from sends_cap) + 1)),
  'record_message_sent: one send over sendsPerCall is 413 batch_too_large, saying the limit');

-- configure_session, clear_session_restriction, pause_campaign.
select is(tests.refusal($$select api.configure_session('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'configure_session: a body that is not an object is 400 invalid_body');
select is(tests.refusal(format($$select api.configure_session('{"sessionId": "%s"}')$$, repeat('s', 201))),
  '{"status": 422, "code": "invalid_session_id"}', 'configure_session: no session id is 422 invalid_session_id');
select is(pg_temp.refusal_in_full($$select api.configure_session('{"sessionId": "wa_st", "dailyCap": 0}')$$) - 'message',
  '{"status": 422, "code": "invalid_session_setting", "details": {"field": "dailyCap"}}', 'configure_session: dailyCap 0 is 422 invalid_session_setting');
select is(tests.refusal($$select api.configure_session('{"sessionId": "wa_never_seen", "dailyCap": 5}')$$),
  '{"status": 404, "code": "session_not_found"}', 'configure_session: a session never synced is 404 session_not_found');
select is(api.configure_session('{"sessionId": "wa_st", "dailyCap": 7, "maxConsecutiveFailures": 3, "leaseSeconds": 60}')
    - 'sessionId' - 'ratePerMinute' - 'jitterSeconds',
  '{"dailyCap": 7, "maxConsecutiveFailures": 3, "leaseSeconds": 60}'::jsonb, 'configure_session: the settings given are taken');
select is(tests.refusal($$select api.clear_session_restriction('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'clear_session_restriction: a body that is not an object is 400 invalid_body');
select is(tests.refusal(format($$select api.clear_session_restriction('{"sessionId": "%s"}')$$, repeat('s', 201))),
  '{"status": 422, "code": "invalid_session_id"}', 'clear_session_restriction: no session id is 422 invalid_session_id');
select is(tests.refusal($$select api.clear_session_restriction('{"sessionId": 5}')$$),
  '{"status": 422, "code": "invalid_session_id"}', 'clear_session_restriction: a sessionId that is not a string is 422 invalid_session_id');
select is(api.pause_campaign(jsonb_build_object('campaignId', (select ids[1] from sp))) ->> 'status', 'draft', 'pause_campaign pauses one draft');
select is(pg_temp.refusal_in_full(format($$select api.pause_campaign('{"campaignId": %s}')$$, (select ids[1] from sp))) - 'details',
  jsonb_build_object('status', 409, 'code', 'invalid_transition',
    'message', format('Campaign %s is draft and paused: it cannot be paused.', (select ids[1] from sp))),
  'pause_campaign: pausing it again is 409 invalid_transition, saying it is paused');
select is((select array_agg(paused_at is not null order by id) from notification_campaigns where session_id = 'wa_sp'), array[true, false],
  '… and the session''s other campaign was never paused');

-- The cap, one over: internal.limits() says how many.
select is(tests.refusal(format($$select api.create_campaign(%L)$$, jsonb_build_object('name', 'x', 'message', 'm', 'sessionId', 'wa_st',
    'groupJids', (select jsonb_agg(tests.jid(i)) from generate_series(1, (select n from cap) + 1) i)))),
  '{"status": 413, "code": "too_many_groups"}', 'create_campaign: one group over the cap is 413 too_many_groups');

select is(tests.refusal($$select api.resume_session('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'resume_session: a body that is not an object is 400 invalid_body');

select from tests.act_as('ops');
select is(tests.refusal($$select api.expire_unmatched_acks('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'expire_unmatched_acks: a body that is not an object is 400 invalid_body');
select is(tests.refusal($$select api.expire_unmatched_acks('{"olderThanSeconds": "1"}')$$),
  '{"status": 422, "code": "invalid_age"}', 'expire_unmatched_acks: an age that is not a number is 422 invalid_age');

select from tests.act_as('gateway');
select is(tests.refusal($$select api.sync_groups('{"sessionId": "wa_st", "groups": [], "allowEmpty": "yes"}')$$),
  '{"status": 422, "code": "invalid_allow_empty"}', 'sync_groups: allowEmpty not a boolean is 422 invalid_allow_empty');
select is(tests.refusal($$select api.sync_groups('{"sessionId": "wa_st", "groups": [], "allowEmpty": false}')$$),
  '{"status": 422, "code": "empty_group_list"}', 'sync_groups: an empty list without allowEmpty is 422 empty_group_list');
-- claim_sends: the body, the session, max (a whole number from 1 to claimsPerCall), the key's sessions.
select is(tests.refusal($$select api.claim_sends('[]')$$),
  '{"status": 400, "code": "invalid_body"}', 'claim_sends: a body that is not an object is 400 invalid_body');
select is(tests.refusal($$select api.claim_sends('{"sessionId": 5}')$$),
  '{"status": 422, "code": "invalid_session_id"}', 'claim_sends: a sessionId that is not a string is 422 invalid_session_id');
select is(tests.refusal(format($$select api.claim_sends('{"sessionId": "%s"}')$$, repeat('s', 201))),
  '{"status": 422, "code": "invalid_session_id"}', 'claim_sends: a string that is no session id (201 characters) is 422 invalid_session_id');
select is(tests.refusal($$select api.claim_sends('{"sessionId": "wa_st", "max": 0}')$$),
  '{"status": 422, "code": "invalid_max"}', 'claim_sends: max 0 is 422 invalid_max');
select is(tests.refusal($$select api.claim_sends('{"sessionId": "wa_st", "max": 1.5}')$$),
  '{"status": 422, "code": "invalid_max"}', 'claim_sends: a fractional max is 422 invalid_max');
select is(tests.refusal($$select api.claim_sends('{"sessionId": "wa_st", "max": "3"}')$$),
  '{"status": 422, "code": "invalid_max"}', 'claim_sends: a max that is a string is 422 invalid_max');
select is(tests.refusal(format($$select api.claim_sends('{"sessionId": "wa_st", "max": %s}')$$, (select claims from cap) + 1)),
  '{"status": 422, "code": "invalid_max"}', 'claim_sends: one over claimsPerCall is 422 invalid_max');
select is(tests.refusal(format($$select api.claim_sends('{"sessionId": "wa_st", "max": %s}')$$, (select claims from cap))), null,
  'claim_sends: exactly claimsPerCall is taken');
select from tests.act_as_admin();
select from internal.create_api_key('wak_test_65_scoped_0123456789abcdef0123456789abcde', 'gateway', 't-65', array['wa_st_other']);
select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_65_scoped_0123456789abcdef0123456789abcde"}', '/rpc/claim_sends');
select from internal.pre_request();
select is(tests.refusal($$select api.claim_sends('{"sessionId": "wa_st"}')$$),
  '{"status": 403, "code": "session_not_allowed"}', 'claim_sends: a key bound to other sessions is 403 session_not_allowed');

select from tests.act_as_admin();
select is((select (daily_cap, max_consecutive_failures, lease_seconds)::text from session_dispatch where session_id = 'wa_sp'),
  '(1000,5,300)', 'configure_session left the other sessions'' settings as they were');
select is((select count(*)::int from whatsapp_groups where session_id = 'wa_st' and inactive_since is null), 2, '… and the refusals changed nothing');

select * from finish();
rollback;
