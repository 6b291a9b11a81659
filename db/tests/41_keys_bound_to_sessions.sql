-- Keys: a gateway key bound to sessions acts on those only (the pre-request hook hands its
-- sessions to every gateway path), and webhook signatures are compared in constant time.
begin;
select plan(11);

select from internal.create_api_key('wak_test_scoped_0123456789abcdef0123456789abcdef', 'gateway', 't-scoped', array['wa_a', 'wa_b']);
select throws_ok($$select internal.create_api_key('wak_test_crm_scoped_0123456789abcdef0123456789a', 'crm', 't-x', array['wa_a'])$$,
  '23514', null, 'only gateway keys act on sessions');

select from tests.act_as('anon');
select from tests.with_headers('{"x-api-key": "wak_test_scoped_0123456789abcdef0123456789abcdef"}', '/rpc/sync_groups');
select from internal.pre_request();
select is(tests.api_error($$select api.sync_groups('{"sessionId": "wa_c", "groups": [{"id": "120363000000000001@g.us"}]}')$$) ->> 'code',
  'session_not_allowed', 'a sync of another session is refused');
select is(api.sync_groups('{"sessionId": "wa_a", "groups": [{"id": "120363000000000001@g.us"}]}') ->> 'inserted', '1',
  'a sync of its own session is done');
select is(api.record_message_error('{"events": [{"sessionId": "wa_a", "messageId": "S1"}, {"sessionId": "wa_c", "messageId": "S2"}]}') ->> 'code',
  'session_not_allowed', 'a batch naming another session is refused whole');
select from tests.act_as_admin();
select is(internal.session_scope(), array['wa_a', 'wa_b'], 'the pre-request hook handed the key''s sessions on');
select is(internal.api_key_id(), (select id from internal.api_keys where label = 't-scoped'), '… and which key it is');
select is((select count(*)::int from message_error_inbox where message_id in ('S1', 'S2')), 0, '… and nothing of it is stored');
select is((select last_synced_by from whatsapp_sessions where session_id = 'wa_a'),
  (select id from internal.api_keys where label = 't-scoped'), 'the sync records its key');

-- The right signature, in either case; one wrong character, or no hex at all, does not match.
select ok(internal.signature_matches(upper(encode(internal.hmac_sha512('key', 'body'), 'hex')), internal.hmac_sha512('key', 'body')),
  'the right signature matches (either case)');
select ok(not internal.signature_matches(overlay(encode(internal.hmac_sha512('key', 'body'), 'hex') placing
  (case when left(encode(internal.hmac_sha512('key', 'body'), 'hex'), 1) = '0' then '1' else '0' end) from 1 for 1),
  internal.hmac_sha512('key', 'body')), 'one wrong character does not');
select ok(not coalesce(internal.signature_matches('not hex', internal.hmac_sha512('key', 'body'))
                    or internal.signature_matches(null, internal.hmac_sha512('key', 'body')), true),
  'nor anything that is not a signature');

select * from finish();
rollback;
