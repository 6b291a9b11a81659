-- GET /quarantine (ops): what the gateways sent that could not be recorded (kept once per body).
create view api.quarantine
with (security_invoker = true)
as
  select
    id,
    received_at,
    code,
    reason,
    left(raw::text, 500) as preview,
    raw_bytes,
    resolved_at,
    resolution,
    resolved_by,
    session_id,
    api_key_id,
    endpoint,
    times_received,
    last_received_at
  from wa_data.message_error_quarantine;
comment on view api.quarantine is
  'Bodies and events the gateways sent that could not be recorded: code, reason, when, the first 500 characters.';
revoke all on api.quarantine from public;
grant select on api.quarantine to ops;
