-- Adds row-count changes to their campaigns' totals and recomputes their status: one UPDATE per
-- touched campaign, cost O(changes), never a recount. Campaigns are locked in id order first, so
-- concurrent statements touching several campaigns cannot deadlock on them. Called by the totals
-- trigger only (as its owner).
-- PL/pgSQL, not SQL: called once per statement (never inlined, for its SET clause), a SQL function
-- is planned again on every call (about 0.6 ms here, most of an ACK's bookkeeping); PL/pgSQL keeps
-- the plan for the connection (docs/design.md, "Plans that do not depend on statistics").
create or replace function internal.apply_campaign_row_changes(changes internal.campaign_row_change[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  session text;
  -- One time for the call (and, on Citus, no now() inside CASE or COALESCE).
  at_now constant timestamptz := now();
begin
  -- One session at a time (a campaign is its session's: the statements name it, one shard group on
  -- Citus, where this runs per shard from the trigger). Sessions in order, campaigns in id order.
  for session in select distinct x.session_id from unnest(changes) x order by 1 loop
    with delta as (
      select campaign_id,
             sum(n)::integer as total,
             coalesce(sum(n) filter (where status = 'pending'), 0)::integer as pending,
             coalesce(sum(n) filter (where status = 'sent'), 0)::integer as sent,
             coalesce(sum(n) filter (where status = 'failed'), 0)::integer as failed,
             coalesce(sum(n) filter (where status = 'cancelled'), 0)::integer as cancelled,
             coalesce(sum(delivered), 0)::integer as delivered,
             coalesce(sum(read), 0)::integer as read
      from unnest(changes) x
      where x.session_id = session
      group by campaign_id
    ),
    locked as (
      select c.id from wa_data.notification_campaigns c
      where c.session_id = session
        and c.id in (select campaign_id from delta where (total, pending, sent, failed, cancelled, delivered, read) <> (0, 0, 0, 0, 0, 0, 0))
      order by c.id
      for no key update
    )
    update wa_data.notification_campaigns c
    set total_groups  = c.total_groups + d.total,
        pending_count = c.pending_count + d.pending,
        sent_count    = c.sent_count + d.sent,
        failed_count  = c.failed_count + d.failed,
        cancelled_count = c.cancelled_count + d.cancelled,
        delivered_count = c.delivered_count + d.delivered,
        read_count    = c.read_count + d.read,
        status = internal.campaign_status(c.status, c.pending_count + d.pending, c.sent_count + d.sent,
                                          c.failed_count + d.failed, c.cancelled_count + d.cancelled),
        -- When it reached a final status (retention counts from here); cleared if it left one.
        -- (c.* is the locked, current row: never a second read of it, which could be older.)
        finished_at = case when internal.campaign_status(c.status, c.pending_count + d.pending, c.sent_count + d.sent,
                                                         c.failed_count + d.failed, c.cancelled_count + d.cancelled)
                                = any(internal.final_values('CampaignStatus'))
                           then coalesce(c.finished_at, at_now) end,
        updated_at = at_now
    from delta d
    where c.session_id = session and d.campaign_id = c.id and c.id in (select id from locked);
  end loop;
end
$$;
revoke all on function internal.apply_campaign_row_changes(internal.campaign_row_change[]) from public;
