-- The second half (see internal.idempotency_replay): keeps the answer of a call that claimed an
-- Idempotency-Key, and returns it. Without a key it only returns the answer.
create or replace function internal.idempotency_keep(answer jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  given constant text := internal.idempotency_key_header();
  who text;
begin
  if given is not null then
    -- The caller as a value, not a call in the WHERE: on Citus such a call may run on the workers,
    -- without the request's settings (docs/citus.md, item 32).
    who := internal.caller();
    update wa_data.idempotency_keys k set response = answer where k.caller = who and k.key = given;
  end if;
  return answer;
end
$$;
revoke all on function internal.idempotency_keep(jsonb) from public;
