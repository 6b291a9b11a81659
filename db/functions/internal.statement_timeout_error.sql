-- The body an api function answers when one of its statements was cancelled (query_canceled: the
-- role's statement_timeout, or an operator's pg_cancel_backend), raised by its handler
--   exception when query_canceled then
--     raise sqlstate 'PGRST' using message = internal.statement_timeout_error(),
--       detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
-- 503 statement_timeout, a refusal like every other (PostgREST alone would answer 500
-- {"code":"57014"}); the transaction rolls back: nothing changed. No Retry-After of ours in the
-- detail: PostgREST adds its own to every 503 (App.hs addRetryHint: its reconnection back-off, 0
-- while connected); a second one would make the header "0, 5". X-Error-Code lets the nginx front
-- door, which answers every 503 itself, keep the code (deploy/nginx). The raise is in the handler itself
-- (plpgsql_check then knows the function never falls off its end).
-- Why a handler in each api function, and what it costs: docs/design.md, "Statement timeouts".
create or replace function internal.statement_timeout_error()
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return json_build_object('code', 'statement_timeout',
    'message', format('The request ran past its time limit (%s) and was cancelled; nothing was changed.',
      current_setting('statement_timeout')),
    'details', null,
    'hint', 'Retry with back-off; if it keeps happening, send smaller batches.')::text;
end
$$;
revoke all on function internal.statement_timeout_error() from public;
grant execute on function internal.statement_timeout_error() to gateway, crm, ops;
