-- The second half (see internal.idempotency_replay): keeps the answer of a call that claimed an
-- Idempotency-Key, and returns it. Without a key it only returns the answer.
create or replace function internal.idempotency_keep(answer jsonb)
returns jsonb
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  update wa_data.idempotency_keys k
  set response = answer
  where
    internal.idempotency_key_header() is not null
    and k.caller = internal.caller()
    and k.key = internal.idempotency_key_header();
  select answer;
$$;
revoke all on function internal.idempotency_keep(jsonb) from public;
