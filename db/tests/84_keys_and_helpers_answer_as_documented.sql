-- Keys and shared helpers do what their documents say: a refusal words a value as docs/errors.md
-- does ("a non-empty string of at most 200 characters"); an Idempotency-Key is read quoted (the
-- IETF draft's string) or bare, and a key used again for another call is a 422; a body kept without Evolution's apikey comes back whole when it
-- names none, however deep, and loses every apikey member when it does; the OpenAPI document
-- served is the OpenAPI one; a refusal's details reach PostgREST as a string (a JSON string as
-- its text, anything else as JSON text); a key rotated twice stays in the first key's lineage (what a caller
-- owns belongs to it: docs/design.md). (Found by generated mutants: none of these was read.)
begin;
select plan(23);

select is(internal.describe_value('CampaignName'), 'a non-empty string of at most 200 characters',
  'a rule with a minimum length: a non-empty string, with its maximum');
select is(internal.describe_value('ErrorMessage'), 'a string of at most 4000 characters', 'one without: a string, with its maximum');

select from tests.with_headers('{"idempotency-key": "\"key-1\""}');
select is(internal.idempotency_key_header(), 'key-1', 'a quoted Idempotency-Key is read without its quotes');
select from tests.with_headers('{"idempotency-key": "key-1"}');
select is(internal.idempotency_key_header(), 'key-1', '… and a bare one as it is');
select from tests.with_headers('{"idempotency-key": "\"k\""}');
select is(internal.idempotency_key_header(), 'k', '… also of one character');
select is(internal.idempotency_replay('create_campaign', '{"name": "a"}'), null, 'a key''s first call runs');
select is((select e - 'message' - 'hint' - 'details' from tests.api_error($$select internal.idempotency_replay('create_campaign', '{"name": "b"}')$$) e),
  '{"status": 422, "code": "idempotency_key_reused"}', '… the same key for another body: 422 idempotency_key_reused');
-- Another caller's answer under the same key is not touched by this caller's.
insert into idempotency_keys (caller, key, endpoint, request_hash, response) values ('key:999', 'k', 'create_campaign', sha256('x'), '{"other": 1}');
select from internal.idempotency_keep('{"mine": 1}');
select is((select array_agg(response::text order by caller) from idempotency_keys where key = 'k'), array['{"other": 1}', '{"mine": 1}'],
  'a kept answer is the caller''s own: another caller''s under the same key is untouched');
select from tests.with_headers('{"idempotency-key": "two words"}');
select is((select e - 'message' - 'hint' - 'details' from tests.api_error($$select internal.idempotency_replay('create_campaign', '{}')$$) e),
  '{"status": 400, "code": "invalid_idempotency_key"}', 'a key with a space: 400 invalid_idempotency_key');

create temp table deep as
select (repeat('{"a": ', 70) || '1' || repeat('}', 70))::jsonb as v;
select is(internal.without_apikey((select v from deep)), (select v from deep), 'a body 70 levels deep that names no apikey comes back whole');
select is(internal.without_apikey('{"apikey": "s", "data": {"apiKey": "s", "x": [{"APIKEY": "s", "y": 1}]}, "z": "apikey"}'),
  '{"data": {"x": [{"y": 1}]}, "z": "apikey"}', 'every apikey member is gone, at any depth and in any case; a value that only mentions it stays');

select ok(internal.openapi_document()::jsonb ? 'paths', 'the document served is the OpenAPI one');
select is(internal.openapi_document()::jsonb ->> 'openapi', api.openapi()::jsonb ->> 'openapi', '… the one GET / answers');

select from internal.create_api_key('wak_test_lin_x_0123456789abcdef0123456789abcdef', 'crm', 'lin-x');
select from internal.create_api_key('wak_test_lin_a_0123456789abcdef0123456789abcdef', 'crm', 'lin-a');
select from internal.create_api_key('wak_test_lin_b_0123456789abcdef0123456789abcdef', 'crm', 'lin-b', null,
  (select id from internal.api_keys where label = 'lin-a'));
select from internal.create_api_key('wak_test_lin_c_0123456789abcdef0123456789abcdef', 'crm', 'lin-c', null,
  (select id from internal.api_keys where label = 'lin-b'));
select is((select array_agg(coalesce(lineage, id) order by label) from internal.api_keys where label in ('lin-a', 'lin-b', 'lin-c')),
  (select array_fill(id, array[3]) from internal.api_keys where label = 'lin-a'), 'a key rotated twice stays in the first key''s lineage');
select is((select key_prefix::text from internal.api_keys where label = 'lin-c'), 'wak_test_lin', 'a key''s prefix: its first 12 characters');

create function pg_temp.details_sent(details jsonb) returns text language plpgsql as $$
declare
  msg text;
begin
  perform internal.raise_api_error(422, 'invalid_body', 'm', details);
  return null;
exception when sqlstate 'PGRST' then
  get stacked diagnostics msg = message_text;
  return msg::json ->> 'details';
end $$;
select is(pg_temp.details_sent(to_jsonb('see the hint'::text)), 'see the hint', 'string details travel as their text');
select is(pg_temp.details_sent('{"groupJids": ["1@g.us"]}'), '{"groupJids": ["1@g.us"]}', 'structured details as JSON text');

select is(tests.api_error($$select internal.raise_api_error(422, 'no_such_code', 'm')$$) ->> 'status', '500',
  'a code missing from the registry is a 500, not a refusal');

create function pg_temp.nest(levels integer, leaf jsonb, arrays boolean) returns jsonb language plpgsql as $$
declare
  v jsonb := leaf;
begin
  for i in 1..levels loop
    v := case when arrays then jsonb_build_array(v) else jsonb_build_object('a', v) end;
  end loop;
  return v;
end $$;
select is(internal.without_apikey(pg_temp.nest(63, '{"apikey": "s", "b": 1}', false)), pg_temp.nest(63, '{"b": 1}', false),
  'an apikey member 63 objects deep is removed');
select is(internal.without_apikey(pg_temp.nest(64, '{"apikey": "s", "b": 1}', false)),
  pg_temp.nest(64, '"[removed: it may hold an apikey]"', false), '… 64 deep, its subtree is replaced whole');
select is(internal.without_apikey(pg_temp.nest(63, '{"apikey": "s", "b": 1}', true)), pg_temp.nest(63, '{"b": 1}', true),
  '… the same 63 arrays deep');
select is(internal.without_apikey(pg_temp.nest(64, '{"apikey": "s", "b": 1}', true)),
  pg_temp.nest(64, '"[removed: it may hold an apikey]"', true), '… and 64 arrays deep');

select from internal.keep_in_quarantine('record_message_error',
  '[{"code": "invalid_body", "reason": "kept-size", "body": {"a": 1}, "bytes": 12345}]');
select is((select raw_bytes from message_error_quarantine where reason = 'kept-size'), 12345, 'the quarantine keeps the size the body had as sent');

select * from finish();
rollback;
