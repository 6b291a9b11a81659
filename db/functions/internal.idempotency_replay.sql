-- The first half of an RPC that honours Idempotency-Key (create_campaign, retry_failed_groups):
-- null when the call should run (no key, or the first call with this key: the key is claimed, and
-- internal.idempotency_keep stores the answer in the same transaction), else the answer the first
-- call with this key got. A concurrent call with the same key waits on the claim (its primary key)
-- and then gets that answer; if the first call failed, nothing was kept and this one runs.
-- Refusals: 400 invalid_idempotency_key; 422 idempotency_key_reused when the key came with another
-- body or endpoint (the draft's "same key, different payload").
create or replace function internal.idempotency_replay(endpoint text, payload jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  given constant text := internal.idempotency_key_header();
  -- The caller, once, as a value (only when a key is given): on Citus a statement's
  -- internal.caller() in a WHERE runs on the workers, whose connections have none of the request's
  -- settings (the key's id), so it named another caller there and a repeat found nothing to replay
  -- (docs/citus.md, item 32).
  who text;
  hash constant bytea := sha256(convert_to(payload::text, 'UTF8'));
  kept wa_data.idempotency_keys;
begin
  if given is null then
    return null;
  end if;
  if not internal.conforms(given, 'IdempotencyKey') then
    perform internal.raise_api_error(400, 'invalid_idempotency_key',
      format('The Idempotency-Key header must be %s.', internal.describe_value('IdempotencyKey')));
  end if;
  who := internal.caller();
  insert into wa_data.idempotency_keys (caller, key, endpoint, request_hash)
  values (who, given, endpoint, hash)
  on conflict (caller, key) do nothing;
  if found then
    return null;
  end if;
  select * into kept from wa_data.idempotency_keys k where k.caller = who and k.key = given;
  if kept.endpoint <> endpoint or kept.request_hash <> hash then
    perform internal.raise_api_error(422, 'idempotency_key_reused',
      'This Idempotency-Key was used for another request: a key names one call (same endpoint, same body).', null,
      'Use a new key for a new call; repeat a call with its own key and its own body.');
  end if;
  return kept.response;
end
$$;
revoke all on function internal.idempotency_replay(text, jsonb) from public;
