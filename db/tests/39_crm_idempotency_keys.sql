-- CRM: with an Idempotency-Key, a repeat of create_campaign (same key, same body) answers the
-- first campaign instead of creating another; the key with another body is refused. Keys belong to
-- the API key's lineage (a rotated key repeats the first call), to a JWT's subject, or to a
-- subject-less JWT's own claims (never to every such JWT at once).
begin;
select plan(9);

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


-- A key and the key its rotation made (internal.create_api_key's `replaces`, as api-key rotate
-- calls it): one caller. Another key of the same label, made without `replaces`: another caller.
select from tests.act_as_admin();
create temp table keys as select
  internal.create_api_key('wak_test_idem_first_0123456789abcdef0123456789ab', 'crm', 't-idem') as first;
update internal.api_keys set revoked_at = now() + interval '10 minutes' where id = (select first from keys);
alter table keys add column rotated bigint, add column later bigint;
update keys set rotated = internal.create_api_key('wak_test_idem_rotated_0123456789abcdef0123456789', 'crm', 't-idem', null, first);
update internal.api_keys set revoked_at = now() where id = (select rotated from keys);
update keys set later = internal.create_api_key('wak_test_idem_later_0123456789abcdef0123456789ab', 'crm', 't-idem');
grant select on keys to crm;
create function pg_temp.call_as_key(key_id bigint) returns jsonb language plpgsql as $$
begin
  perform set_config('wa.api_key_id', key_id::text, true);
  return api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'wa_i', 'groupJids', jsonb_build_array(tests.jid(2))));
end $$;
select from tests.act_as('crm');
select from tests.with_headers('{"idempotency-key": "k-2"}', '/rpc/create_campaign');
create temp table by_key as select pg_temp.call_as_key((select first from keys)) as answer;
select is(pg_temp.call_as_key((select rotated from keys)), (select answer from by_key), 'the rotated key repeats the first key''s call');
select isnt(pg_temp.call_as_key((select later from keys)), (select answer from by_key),
  'a key made anew under the same label is another caller');
select is((select count(*)::int from api.campaigns), 3, '… so k-2 made two campaigns (three in all), not one or three');
select set_config('wa.api_key_id', '', true);

-- JWTs (request.jwt.claims as PostgREST sets it): the subject, else the claims themselves.
create function pg_temp.call_as_jwt(claims jsonb) returns jsonb language plpgsql as $$
begin
  perform set_config('request.jwt.claims', claims::text, true);
  return api.create_campaign(jsonb_build_object('name', 'n', 'message', 'm', 'sessionId', 'wa_i', 'groupJids', jsonb_build_array(tests.jid(1))));
end $$;
select from tests.with_headers('{"idempotency-key": "k-3"}', '/rpc/create_campaign');
create temp table by_jwt as select pg_temp.call_as_jwt('{"role": "crm", "crm": "a"}') as answer;
select isnt(pg_temp.call_as_jwt('{"role": "crm", "crm": "b"}'), (select answer from by_jwt),
  'two subject-less JWTs with other claims are two callers');
select is(pg_temp.call_as_jwt('{"role": "crm", "sub": "s", "iat": 1}'), pg_temp.call_as_jwt('{"role": "crm", "sub": "s", "iat": 2}'),
  'two tokens of one subject are one caller');

-- A JWT with no claims at all ({}) is no credential of its own: the caller is the role.
select from tests.act_as_admin();
select set_config('request.jwt.claims', '{}', true);
select is(internal.caller(), 'role:' || current_user, 'a JWT with empty claims ({}) is the role, not a claims hash');

select * from finish();
rollback;
