-- GET /ack_backlog (ops): error ACKs still waiting for their send record.
create view api.ack_backlog
with (security_invoker = true)
as
  select
    coalesce(session_id, '') as session_id,
    count(*)::integer as unmatched,
    min(received_at) as oldest_received_at,
    extract(epoch from now() - min(received_at))::integer as oldest_age_seconds
  from wa_data.message_error_inbox
  where outcome = 'pending_match' and matched_at is null and expired_at is null
  group by coalesce(session_id, '');
comment on view api.ack_backlog is
  'Error ACKs waiting for their send record, per session (empty string: ACKs without a session): how many, and the oldest.';
revoke all on api.ack_backlog from public;
grant select on api.ack_backlog to ops;
