-- Keeps notification_campaigns' totals and status true. Statement-level with transition tables:
-- one UPDATE per touched campaign per statement (internal.apply_campaign_row_changes), costing
-- O(changed rows), never a recount.
-- SECURITY DEFINER: whoever changes campaign rows, the totals follow (callers need no rights on
-- the campaigns table, and cannot bypass the bookkeeping).
create or replace function internal.tg_campaign_groups__totals()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- A statement that changed no row (an ACK for a message not sent yet) has nothing to add: the
  -- trigger still fires, once per statement, and would otherwise cost a call of the apply function.
  if tg_op = 'DELETE' then
    if not exists (select from old_rows) then return null; end if;
  elsif not exists (select from new_rows) then
    return null;
  end if;
  -- Static SQL per event (transition tables exist only for their own event, and a branch not
  -- taken is never planned): plans are cached, unlike EXECUTE format(...). Each statement folds
  -- the changed rows to (campaign, status, ±rows, ±delivered, ±read, session) before handing them on.
  if tg_op = 'INSERT' then
    perform internal.apply_campaign_row_changes(array(
      select (campaign_id, status, count(*), count(delivered_at), count(read_at), session_id)::internal.campaign_row_change
      from new_rows group by campaign_id, status, session_id));
  elsif tg_op = 'DELETE' then
    perform internal.apply_campaign_row_changes(array(
      select (campaign_id, status, -count(*), -count(delivered_at), -count(read_at), session_id)::internal.campaign_row_change
      from old_rows group by campaign_id, status, session_id));
  else
    perform internal.apply_campaign_row_changes(array(
      select (campaign_id, status, sum(n), sum(delivered), sum(read), session_id)::internal.campaign_row_change
      from (select campaign_id, session_id, status, 1 as n, (delivered_at is not null)::int as delivered, (read_at is not null)::int as read
            from new_rows
            union all
            select campaign_id, session_id, status, -1, -(delivered_at is not null)::int, -(read_at is not null)::int
            from old_rows) changed
      group by campaign_id, status, session_id));
  end if;
  return null;
end
$$;
revoke all on function internal.tg_campaign_groups__totals() from public;

-- Transition tables allow one event per trigger: three triggers share the function. One DO block:
-- on Citus, DDL on a distributed table that arrives in a string of several statements (as
-- migrate sends this file) is refused ("cannot insert multiple commands into a prepared
-- statement", docs/citus.md); inside a block each reaches it alone.
do $do$
begin
  create or replace trigger tg_campaign_groups__totals_insert
    after insert on wa_data.notification_campaign_groups
    referencing new table as new_rows
    for each statement execute function internal.tg_campaign_groups__totals();
  create or replace trigger tg_campaign_groups__totals_update
    after update on wa_data.notification_campaign_groups
    referencing old table as old_rows new table as new_rows
    for each statement execute function internal.tg_campaign_groups__totals();
  create or replace trigger tg_campaign_groups__totals_delete
    after delete on wa_data.notification_campaign_groups
    referencing old table as old_rows
    for each statement execute function internal.tg_campaign_groups__totals();
end
$do$;
