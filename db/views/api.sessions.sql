-- GET /sessions (crm, ops): the WhatsApp accounts, whether WhatsApp restricted one, which gateway
-- last posted for it, its dispatch pace (configure_session) and whether its dispatch is held.
create view api.sessions
with (security_invoker = true)
as
  select
    s.session_id,
    s.last_synced_at,
    s.group_count,
    s.restricted_at,
    s.restricted_code,
    s.gateway,
    s.gateway_seen_at,
    d.rate_per_minute,
    d.jitter_seconds,
    d.daily_cap,
    d.max_consecutive_failures,
    d.lease_seconds,
    d.next_slot_at,
    case
      when d.cap_day = (now() at time zone 'UTC')::date then d.cap_day_count
      else 0
    end as claimed_today,
    d.consecutive_failures,
    d.paused_at,
    d.pause_reason,
    case
      when s.restricted_at is not null then 'session_restricted'
      when d.paused_at is not null then 'session_paused'
      when d.cap_day = (now() at time zone 'UTC')::date
      and d.cap_day_count >= d.daily_cap then 'daily_cap_reached'
    end as held_reason
  from
    wa_data.whatsapp_sessions s
    left join wa_data.session_dispatch d on d.session_id = s.session_id;
comment on view api.sessions is
  'WhatsApp accounts (gateway sessions): last sync, whether WhatsApp restricted the account (restricted_at, restricted_code), the dispatch pace (rate_per_minute, jitter_seconds, daily_cap per UTC day, max_consecutive_failures, lease_seconds) and state (next_slot_at, claimed_today, consecutive_failures, paused_at and pause_reason, held_reason: session_restricted, session_paused or daily_cap_reached).';
revoke all on api.sessions from public;
grant select on api.sessions to crm, ops;
