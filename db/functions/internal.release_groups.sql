-- Before a session's groups are deleted (they became community parents): their campaign rows keep
-- their history (group_jid, group_name) and let go of the group (group_id), in id order. What
-- ON DELETE SET NULL did, done by the statement that deletes: Citus refuses SET NULL on a foreign
-- key that includes the distribution column (docs/citus.md, item 8).
create or replace function internal.release_groups(session text, group_ids bigint[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  -- The groups first (the one lock order: groups, then campaign rows): a campaign being created
  -- with one of them holds it (key share) until it commits, and its rows are then released too;
  -- one created after waits, and finds the group gone.
  perform from wa_data.whatsapp_groups w
  where w.session_id = session and w.id = any(group_ids)
  order by w.id
  for update;
  update wa_data.notification_campaign_groups r set group_id = null
  where r.session_id = session and r.id = any(array(
    select r2.id from wa_data.notification_campaign_groups r2
    where r2.session_id = session and r2.group_id = any(group_ids)
    order by r2.id for no key update));
end
$$;
revoke all on function internal.release_groups(text, bigint[]) from public;
