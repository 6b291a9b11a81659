-- The campaign as the lifecycle RPCs answer it (schedule, pause, resume, cancel): one shape, built
-- here only (issue 34). `c` is the campaign as the caller last wrote it.
create or replace function internal.campaign_summary(c wa_data.notification_campaigns)
returns jsonb
language sql
stable
parallel safe
set search_path = pg_catalog, pg_temp
return jsonb_build_object(
  'campaignId',
  c.id,
  'status',
  c.status,
  'campaign',
  jsonb_build_object(
    'totalGroups',
    c.total_groups,
    'pendingCount',
    c.pending_count,
    'sentCount',
    c.sent_count,
    'failedCount',
    c.failed_count,
    'cancelledCount',
    c.cancelled_count,
    'scheduledAt',
    c.scheduled_at,
    'sendBefore',
    c.send_before,
    'pausedAt',
    c.paused_at
  )
);
revoke all on function internal.campaign_summary(wa_data.notification_campaigns) from public;
