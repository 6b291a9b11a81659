-- GET /campaigns (crm, ops): campaigns with their live totals and status, which gateway reports the
-- session's progress (Evolution API reports no delivery or read for group messages), and their
-- dispatch: when due, the send window, the pace, the next send, an estimated finish, why held.
create view api.campaigns
with (security_invoker = true)
as
  select
    c.id,
    c.name,
    c.message,
    c.session_id,
    c.status,
    c.total_groups,
    c.pending_count,
    c.sent_count,
    c.failed_count,
    c.created_at,
    c.updated_at,
    c.delivered_count,
    c.read_count,
    c.cancelled_count,
    c.finished_at,
    s.gateway as progress_source,
    case s.gateway
      when 'evolution_api' then false
      when 'waha' then true
      when 'direct' then true
    end as progress_reported,
    c.scheduled_at,
    c.send_before,
    c.paused_at,
    d.rate_per_minute,
    h.held_reason,
    n.next_send_at,
    n.next_send_at + make_interval(
      secs => greatest(c.pending_count - 1, 0) * (60.0 / d.rate_per_minute + d.jitter_seconds / 2.0)
    ) as estimated_finish_at
  from
    wa_data.notification_campaigns c
    left join wa_data.whatsapp_sessions s on s.session_id = c.session_id
    left join wa_data.session_dispatch d on d.session_id = c.session_id
    -- Why claim_sends hands out none of its sends now (null: it does, or nothing is left). Each
    -- lateral reads the session's dispatch row again (FROM …): Citus refuses a subquery without FROM
    -- that calls now() ("cannot push down this subquery").
    left join lateral (
      select
        case
          -- (A final campaign has no pending row.)
          when c.pending_count = 0 then null
          when c.status = 'draft' then 'draft'
          when c.paused_at is not null then 'campaign_paused'
          when c.send_before <= now() then 'window_closed'
          when s.restricted_at is not null then 'session_restricted'
          when d.paused_at is not null then 'session_paused'
          when d.cap_day = (now() at time zone 'UTC')::date
          and d.cap_day_count >= d.daily_cap then 'daily_cap_reached'
          when c.scheduled_at > now() then 'scheduled_later'
        end as held_reason
      from wa_data.session_dispatch d2
      where d2.session_id = c.session_id
    ) h
      on true
    left join lateral (
      select
        case
          when c.pending_count > 0
          and c.status in ('scheduled', 'sending')
          and (h.held_reason is null or h.held_reason = 'scheduled_later') then greatest(
            now(),
            c.scheduled_at,
            d.next_slot_at
          )
        end as next_send_at
      from wa_data.session_dispatch d3
      where d3.session_id = c.session_id
    ) n
      on true;
comment on view api.campaigns is
  'Campaigns with their live totals and status. progress_source: the gateway reporting for the session; progress_reported false means delivered/read are never reported there (Evolution API, group messages). Dispatch: scheduled_at (due from), send_before (window end), paused_at, rate_per_minute (the session''s pace), next_send_at, estimated_finish_at (at that pace, this campaign alone), held_reason (draft, campaign_paused, window_closed, session_restricted, session_paused, daily_cap_reached, scheduled_later; null: sending or done).';
revoke all on api.campaigns from public;
grant select on api.campaigns to crm, ops;
