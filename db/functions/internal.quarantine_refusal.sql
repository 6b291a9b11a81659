-- Refuses a gateway body while keeping it: the body goes to the quarantine (internal.keep_in_quarantine:
-- bounded, once per value however often it is retried) with the refusal's code and message as its
-- reason and the endpoint whose shape it has, and the refusal comes back with its HTTP status in
-- "status" (the api wrapper answers it through internal.with_status). The one way every gateway
-- endpoint refuses a body without losing it.
create or replace function internal.quarantine_refusal(
  status integer,
  code text,
  message text,
  body jsonb,
  body_bytes integer,
  endpoint text
)
returns jsonb
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select
    internal.keep_in_quarantine(
      endpoint,
      jsonb_build_array(
        jsonb_build_object('code', code, 'reason', message, 'body', body, 'bytes', body_bytes)
      )
    );
  select
    jsonb_build_object(
      'status',
      status,
      'code',
      code,
      'message',
      message,
      'details',
      null,
      'hint',
      'The body was kept in quarantine.'
    );
$$;
revoke all on function internal.quarantine_refusal(integer, text, text, jsonb, integer, text) from public;
