-- Keys and methods: a key revoked in the past is refused and a rotated key works until its
-- revoked_at (in the future); the pre-request hook decides a POST (what every RPC is) by the
-- grant for it: an RPC its role may call passes, a view is not written to, a document is read
-- with GET, and a POST for another schema (a host's, by Content-Profile) is not ours.
begin;
select plan(9);

select from internal.create_api_key('wak_test_gone_0123456789abcdef0123456789abcdef01', 'gateway', 't-gone');
select from internal.create_api_key('wak_test_grace_0123456789abcdef0123456789abcdef0', 'gateway', 't-grace');
select from internal.create_api_key('wak_test_crm_0123456789abcdef0123456789abcdef012', 'crm', 't-crm');
select from internal.create_api_key('wak_test_ops_0123456789abcdef0123456789abcdef012', 'ops', 't-ops');
update internal.api_keys set revoked_at = now() - interval '1 hour' where label = 't-gone';
update internal.api_keys set revoked_at = now() + interval '1 hour' where label = 't-grace';
-- What PostgREST sets for a POST (tests.with_headers sets the headers, path and schema).
create function pg_temp.post(headers jsonb, path text) returns void language sql as $$
  select tests.with_headers(headers, path), set_config('request.method', 'POST', true)
$$;

select from tests.act_as('anon');
select from pg_temp.post('{"x-api-key": "wak_test_gone_0123456789abcdef0123456789abcdef01"}', '/rpc/sync_groups');
select is(tests.api_error('select internal.pre_request()') ->> 'code', 'invalid_api_key', 'a key revoked an hour ago: 401');
select from pg_temp.post('{"x-api-key": "wak_test_grace_0123456789abcdef0123456789abcdef0"}', '/rpc/sync_groups');
select lives_ok('select internal.pre_request()', 'a rotated key works until its revoked_at');
select is(current_user::text, 'gateway', '… as its role');
select from tests.act_as_admin();

select from tests.act_as('anon');
select from pg_temp.post('{"x-api-key": "wak_test_crm_0123456789abcdef0123456789abcdef012"}', '/rpc/create_campaign');
select lives_ok('select internal.pre_request()', 'POST to an RPC its role may call passes');
select from tests.act_as_admin();
select from tests.act_as('anon');
select from pg_temp.post('{"x-api-key": "wak_test_crm_0123456789abcdef0123456789abcdef012"}', '/rpc/expire_unmatched_acks');
select is(tests.api_error('select internal.pre_request()') ->> 'status', '403', 'POST to an RPC of another role: 403');
select from pg_temp.post('{"x-api-key": "wak_test_crm_0123456789abcdef0123456789abcdef012"}', '/campaigns');
select is(tests.api_error('select internal.pre_request()') ->> 'code', 'forbidden', 'POST to a view the role only reads: 403');
select from tests.act_as_admin();
select from tests.act_as('anon');
select from pg_temp.post('{"x-api-key": "wak_test_ops_0123456789abcdef0123456789abcdef012"}', '/rpc/metrics');
select is(tests.api_error('select internal.pre_request()') ->> 'code', 'method_not_allowed', 'POST to the metrics document: 405');
select from tests.act_as_admin();

select from tests.act_as('anon');
select from pg_temp.post('{"content-profile": "public"}', '/rpc/host_function');
select lives_ok('select internal.pre_request()', 'a POST for a host''s schema (Content-Profile) passes untouched');
select from pg_temp.post('{}', '/rpc/create_campaign');
select is(tests.api_error('select internal.pre_request()') ->> 'code', 'missing_credentials', 'a POST to ours without a key: 401');

select * from finish();
rollback;
