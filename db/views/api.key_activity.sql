-- GET /key_activity (ops): per API key, what it did (docs/operations.md, "A leaked key"). Reads the
-- keys' public columns (never the hashes).
create view api.key_activity
with (security_invoker = true)
as
  select
    k.id as api_key_id,
    k.label,
    k.role,
    k.key_prefix,
    k.sessions,
    k.created_at,
    k.revoked_at,
    coalesce(i.n, 0) as error_acks,
    coalesce(s.n, 0) as progress_messages,
    coalesce(q.n, 0) as quarantined,
    coalesce(c.n, 0) as campaigns,
    greatest(i.last, s.last, q.last, c.last) as last_seen_at
  from
    internal.api_keys k
    left join lateral (
      select count(*)::integer as n, max(received_at) as last
      from wa_data.message_error_inbox x
      where x.api_key_id = k.id
    ) i
      on true
    left join lateral (
      select count(*)::integer as n, max(updated_at) as last
      from wa_data.message_status_inbox x
      where x.api_key_id = k.id
    ) s
      on true
    left join lateral (
      select count(*)::integer as n, max(received_at) as last
      from wa_data.message_error_quarantine x
      where x.api_key_id = k.id
    ) q
      on true
    left join lateral (
      select count(*)::integer as n, max(created_at) as last
      from wa_data.notification_campaigns x
      where x.api_key_id = k.id
    ) c
      on true;
comment on view api.key_activity is
  'Per API key: its sessions (null: all), state, and what it did (error ACKs, progress, quarantined bodies, campaigns, last seen).';
revoke all on api.key_activity from public;
grant select on api.key_activity to ops;
