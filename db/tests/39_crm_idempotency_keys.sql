-- CRM: with an Idempotency-Key, a repeat of create_campaign (same key, same body) answers the
-- first campaign instead of creating another; the key with another body is refused.
begin;
select plan(3);

select from tests.sync_n('wa_i', 2);
select from tests.act_as('crm');
select from tests.with_headers('{"idempotency-key": "\"k-1\""}', '/rpc/create_campaign');
create temp table first as select api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'wa_i',
  'groupJids', jsonb_build_array(tests.jid(1)))) as answer;
select is(api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'wa_i', 'groupJids', jsonb_build_array(tests.jid(1)))),
  (select answer from first), 'the repeat answers the first campaign');
select is((select count(*)::int from api.campaigns), 1, '… and creates none');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_i", "groupJids": ["%s"]}')$$,
  tests.jid(2))) ->> 'code', 'idempotency_key_reused', 'the key with another body is refused');

select * from finish();
rollback;
